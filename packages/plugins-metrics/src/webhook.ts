import { requestRecord, STAGE_LAST, type Gateway, type Logger, type Plugin, type RequestRecord } from '@tollgate/core';
import type { Family } from './families.js';

export interface WebhookOptions {
  /** Where batches are POSTed, as a JSON array of request records. */
  url: string;
  /** Sent with every POST (e.g. the sink's own `authorization`). */
  headers?: Record<string, string>;
  /** Records per POST (default 100); a full batch is sent at once. */
  batchSize?: number;
  /** A partial batch waits at most this long (default 1000 ms). */
  flushIntervalMs?: number;
  /** Records held while the sink is slow or down (default 10,000); past it the oldest are dropped and counted. */
  maxQueue?: number;
  /** Tries per batch after the first (default 5); then the batch is dropped and counted as failed. */
  maxRetries?: number;
  /** Backoff: full jitter over base * 2^try, capped (defaults 500 ms, 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** One POST's deadline (default 10 s). */
  timeoutMs?: number;
  /** Include request and answer bodies, redacted (default false). */
  bodies?: boolean;
}

export interface WebhookStats {
  /** Records delivered. */
  sent: number;
  /** Records dropped from a full queue (oldest first). */
  dropped: number;
  /** Records in batches given up after their last retry, or refused by the sink (4xx). */
  failed: number;
  /** POSTs repeated after a failure. */
  retries: number;
  readonly queued: number;
}

/** The webhook logger's figures, in the container, for the metrics plugin to expose. */
export const WEBHOOK_STATS = Symbol.for('tollgate.plugin-metrics.webhook');

/** Statuses worth trying again: the sink is busy or down, not refusing the records. */
const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/**
 * Ships request records to an HTTP endpoint in batches, one POST at a time. Never blocks a
 * request: `push` appends to a bounded queue; when the sink is down, batches are retried with
 * backoff while new records queue up, and past `maxQueue` the oldest are dropped (counted).
 */
export class WebhookLogger {
  private readonly queue: RequestRecord[] = [];
  private readonly o: Required<Omit<WebhookOptions, 'headers' | 'bodies'>> & { headers: Record<string, string> };
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private closed = false;
  /** Ends a backoff wait early (on close). */
  private wake: (() => void) | null = null;
  readonly stats: WebhookStats;

  constructor(options: WebhookOptions, private readonly logger?: Logger) {
    this.o = {
      url: options.url,
      headers: { 'content-type': 'application/json', ...options.headers },
      batchSize: options.batchSize ?? 100,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxQueue: options.maxQueue ?? 10_000,
      maxRetries: options.maxRetries ?? 5,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    const queue = this.queue;
    this.stats = { sent: 0, dropped: 0, failed: 0, retries: 0, get queued() { return queue.length; } };
  }

  push(record: RequestRecord): void {
    if (this.queue.length >= this.o.maxQueue) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push(record);
    if (this.queue.length >= this.o.batchSize) this.kick();
    else this.timer ??= setTimeout(() => { this.timer = null; this.kick(); }, this.o.flushIntervalMs).unref();
  }

  private kick(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = this.drain(this.closed ? 0 : this.o.maxRetries).finally(() => {
      this.sending = null;
      if (this.queue.length >= this.o.batchSize) this.kick();
      else if (this.queue.length && !this.timer) this.timer = setTimeout(() => { this.timer = null; this.kick(); }, this.o.flushIntervalMs).unref();
    });
  }

  /** Send full batches back to back (a partial one only when flushing), each with its retries. */
  private async drain(maxRetries: number): Promise<void> {
    do {
      const batch = this.queue.splice(0, this.o.batchSize);
      await this.deliver(batch, maxRetries);
    } while (this.queue.length >= this.o.batchSize || (this.closed && this.queue.length > 0));
  }

  private async deliver(batch: RequestRecord[], maxRetries: number): Promise<void> {
    const body = JSON.stringify(batch);
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      try {
        const res = await fetch(this.o.url, { method: 'POST', headers: this.o.headers, body, signal: AbortSignal.timeout(this.o.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) { this.stats.sent += batch.length; return; }
        problem = `HTTP ${res.status}`;
        if (!retryable(res.status)) { this.fail(batch, problem); return; }
      } catch (err) {
        problem = (err as Error).message;
      }
      if (attempt >= maxRetries || this.closed) { this.fail(batch, problem); return; }
      this.stats.retries++;
      await this.backoff(Math.random() * Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** attempt));
    }
  }

  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms).unref();
      const self = this;
      function done(): void { clearTimeout(t); self.wake = null; resolve(); }
      this.wake = done;
    });
  }

  private fail(batch: RequestRecord[], problem: string): void {
    this.stats.failed += batch.length;
    this.logger?.warn({ records: batch.length, problem }, 'webhook logger: a batch of request records was not delivered');
  }

  /** Send what is queued (one try per batch, no more waiting on a batch in backoff) and stop the timer. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    await this.sending;
    if (this.queue.length) {
      this.kick();
      await this.sending;
    }
  }
}

/**
 * The plugin: one record per request from `account`, to a WebhookLogger. Also a template for a
 * logger of your own: tap `account`, build `requestRecord(ctx)`, never await the network there.
 */
export const webhookLogger: Plugin<WebhookOptions> = {
  name: '@tollgate/plugin-metrics/webhook',
  meta: { core: '^0.1.0' },
  schema: {
    type: 'object',
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^https?://' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      batchSize: { type: 'integer', minimum: 1 },
      flushIntervalMs: { type: 'integer', minimum: 1 },
      maxQueue: { type: 'integer', minimum: 1 },
      maxRetries: { type: 'integer', minimum: 0 },
      retryBaseMs: { type: 'integer', minimum: 0 },
      retryMaxMs: { type: 'integer', minimum: 0 },
      timeoutMs: { type: 'integer', minimum: 1 },
      bodies: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  apply(gateway: Gateway, options: WebhookOptions) {
    const logger = new WebhookLogger(options, gateway.logger);
    const opts = { bodies: options.bodies === true };
    gateway.container.register(WEBHOOK_STATS, { useValue: logger.stats });
    gateway.hooks.account.tap({ name: '@tollgate/plugin-metrics/webhook', stage: STAGE_LAST }, (ctx) => logger.push(requestRecord(ctx, opts)));
    gateway.hooks.shutdown.tapPromise('@tollgate/plugin-metrics/webhook', () => logger.close());
  },
};

export default webhookLogger;

/** The webhook logger's counters on /metrics, when it is loaded. */
export function webhookFamilies(stats: () => WebhookStats | null): Family[] {
  return [
    {
      name: 'tollgate_webhook_records_total',
      help: 'Request records the webhook logger delivered, dropped (queue full, oldest first) or gave up on.',
      type: 'counter',
      samples() {
        const s = stats();
        return s ? (['sent', 'dropped', 'failed'] as const).map((result) => ({ labels: { result }, value: s[result] })) : [];
      },
    },
    {
      name: 'tollgate_webhook_queue_length',
      help: 'Request records waiting for the webhook sink.',
      type: 'gauge',
      samples() {
        const s = stats();
        return s ? [{ labels: {}, value: s.queued }] : [];
      },
    },
  ];
}
