import { AbortedError, toGatewayError, type GatewayError } from '../errors.js';
import type { ItemSource, StreamItem } from './stream.js';

const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * A started stream handed to the caller. However the caller uses it, the core settles it exactly
 * once: at its end, at its failure, when the caller stops (`return()`, `cancel()`), or when the
 * caller never reads it (after `unreadTimeoutMs`) — so `account` always runs, in-flight counts
 * come down and the upstream socket is released.
 */
export class ResponseStream<T = StreamItem> implements AsyncIterableIterator<T> {
  private settled = false;
  private timer: NodeJS.Timeout | null;

  constructor(
    private readonly source: ItemSource,
    /** Runs once when the stream is over: null on success, the error otherwise. */
    private readonly onSettle: (error: GatewayError | null) => Promise<void>,
    unreadTimeoutMs: number,
  ) {
    this.timer = setTimeout(() => void this.cancel(), unreadTimeoutMs);
    this.timer.unref();
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.settled) return DONE;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    let item: StreamItem | undefined;
    try {
      item = await this.source.next();
    } catch (err) {
      const e = toGatewayError(err);
      await this.settle(e);
      throw e;
    }
    if (item === undefined) {
      await this.settle(null);
      return DONE;
    }
    return { done: false, value: item as T };
  }

  /** The consumer stopped early (for-await `break`, client gone): cancel the upstream. */
  async return(): Promise<IteratorResult<T>> {
    await this.cancel();
    return DONE;
  }

  /** Stop the stream and settle it (idempotent): the upstream is cancelled, `account` runs. */
  async cancel(reason?: GatewayError): Promise<void> {
    // Called on every stream's way out: the error (and its stack) only when there is something to cancel.
    if (this.settled) return;
    const e = reason ?? new AbortedError();
    this.source.abort(e);
    await this.settle(e);
  }

  get done(): boolean {
    return this.settled;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async settle(error: GatewayError | null): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    await this.onSettle(error);
  }
}
