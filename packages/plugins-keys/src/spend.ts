import type { Entity } from './store/schema.js';
import type { SpendDelta, Store } from './store/store.js';
import type { SpendLogRow } from './types.js';

export interface SpendWriterOptions {
  /** How often pending spend is written (default 5 s; LiteLLM's proxy_batch_write_at is 10 s). */
  intervalMs?: number;
  /** Spend-log rows per write transaction (default 2 000). */
  batchRows?: number;
  /** Spend-log rows kept while the store is down; older ones are dropped past this (default 100 000). */
  maxPendingLogs?: number;
  onError?: (err: unknown, pendingLogs: number) => void;
  /** Spend-log rows dropped past maxPendingLogs. */
  onDrop?: (rows: number) => void;
}

/**
 * Spend aggregated in memory per entity and spend-log rows, written in one transaction per
 * batch on an interval and on flush(). A failed write keeps everything for the next attempt,
 * so a database blip or a shutdown under load loses nothing that was recorded.
 */
export class SpendWriter {
  private deltas = new Map<string, SpendDelta>();
  /** Rows are built when written, off the request path. */
  private logs: Array<() => SpendLogRow> = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly maxPendingLogs: number;

  constructor(private readonly store: Store, private readonly options: SpendWriterOptions = {}) {
    this.maxPendingLogs = options.maxPendingLogs ?? 100_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  add(entity: Entity, id: string, amount: number, seed?: Record<string, unknown>): void {
    if (!(amount > 0)) return;
    const k = `${entity}\0${id}`;
    const d = this.deltas.get(k);
    if (d) d.amount += amount;
    else this.deltas.set(k, { entity, id, amount, ...(seed ? { seed } : {}) });
  }

  log(row: () => SpendLogRow): void {
    this.logs.push(row);
    // Past the bound (a long outage), drop the oldest tenth at once rather than one per request.
    if (this.logs.length > this.maxPendingLogs) {
      const dropped = Math.ceil(this.maxPendingLogs / 10);
      this.logs.splice(0, dropped);
      this.options.onDrop?.(dropped);
    }
  }

  /** Spend recorded here and not yet written, for an entity. */
  pending(entity: Entity, id: string): number {
    return this.deltas.get(`${entity}\0${id}`)?.amount ?? 0;
  }

  get pendingLogs(): number {
    return this.logs.length;
  }

  /** Writes everything recorded so far; concurrent calls queue, so the last one covers all. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.writeOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes in transactions of at most `batchRows` spend-log rows, yielding to the event loop
   * between them, so a large backlog does not stall requests (SQLite writes synchronously).
   */
  private async writeOnce(): Promise<void> {
    const batchRows = this.options.batchRows ?? 2_000;
    let deltas = this.deltas;
    this.deltas = new Map();
    while (deltas.size > 0 || this.logs.length > 0) {
      const logs = this.logs.slice(0, batchRows);
      this.logs = this.logs.slice(logs.length);
      try {
        await this.store.applySpend([...deltas.values()], logs.map((build) => build()));
      } catch (err) {
        // Put it back in front of anything recorded meanwhile; the next flush retries.
        for (const [k, d] of deltas) {
          const later = this.deltas.get(k);
          if (later) later.amount += d.amount;
          else this.deltas.set(k, d);
        }
        this.logs = logs.concat(this.logs);
        this.options.onError?.(err, this.logs.length);
        throw err;
      }
      deltas = new Map();
      if (this.logs.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
