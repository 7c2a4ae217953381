import type { Entity } from './store/schema.js';
import type { SpendDelta, Store } from './store/store.js';
import type { SpendLogRow } from './types.js';

export interface SpendWriterOptions {
  /** How often pending spend is written (default 5 s; LiteLLM's proxy_batch_write_at is 10 s). */
  intervalMs?: number;
  /** Spend-log rows kept while the store is down; older ones are dropped past this (default 100 000). */
  maxPendingLogs?: number;
  onError?: (err: unknown, pendingLogs: number) => void;
}

/**
 * Spend aggregated in memory per entity and spend-log rows, written in one transaction per
 * batch on an interval and on flush(). A failed write keeps everything for the next attempt,
 * so a database blip or a shutdown under load loses nothing that was recorded.
 */
export class SpendWriter {
  private deltas = new Map<string, SpendDelta>();
  private logs: SpendLogRow[] = [];
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

  log(row: SpendLogRow): void {
    this.logs.push(row);
    if (this.logs.length > this.maxPendingLogs) this.logs.splice(0, this.logs.length - this.maxPendingLogs);
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

  private async writeOnce(): Promise<void> {
    if (this.deltas.size === 0 && this.logs.length === 0) return;
    const deltas = this.deltas;
    const logs = this.logs;
    this.deltas = new Map();
    this.logs = [];
    try {
      await this.store.applySpend([...deltas.values()], logs);
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
  }
}
