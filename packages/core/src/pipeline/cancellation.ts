import { AbortedError, type GatewayError } from '../errors.js';

/**
 * A request's (or one attempt's) cancellation. Cheap: no AbortController (~3-5 µs with its
 * listeners on Node 20, measured) is made until something reads `signal`; undici takes the object
 * itself as its `signal`, since it has the EventEmitter-style `once`/`removeListener` undici accepts.
 */
export class Cancellation {
  aborted = false;
  reason: GatewayError | undefined = undefined;
  private controller: AbortController | null = null;
  private listeners: Array<() => void> | null = null;

  /** A standard AbortSignal tied to this cancellation, for APIs that need one. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: GatewayError = new AbortedError()): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners) for (const l of listeners) l();
  }

  /** Calls `listener` once when aborted (listeners read `reason`). */
  once(event: 'abort', listener: () => void): this {
    if (event === 'abort' && !this.aborted) (this.listeners ??= []).push(listener);
    return this;
  }

  /** undici checks for `on` to accept an EventEmitter-style signal; abort fires once anyway. */
  on(event: 'abort', listener: () => void): this {
    return this.once(event, listener);
  }

  removeListener(event: 'abort', listener: () => void): this {
    const ls = this.listeners;
    if (event === 'abort' && ls) {
      const i = ls.indexOf(listener);
      if (i !== -1) ls.splice(i, 1);
    }
    return this;
  }

  /**
   * A child that aborts with this one (with its reason) but can also be aborted alone: one
   * attempt's timeout cancels that attempt, not the request. Call `unlink()` when the child is done.
   */
  child(): ChildCancellation {
    return new ChildCancellation(this);
  }
}

export class ChildCancellation extends Cancellation {
  private readonly forward: () => void;

  constructor(private readonly parent: Cancellation) {
    super();
    this.forward = () => this.abort(parent.reason);
    if (parent.aborted) this.abort(parent.reason);
    else parent.once('abort', this.forward);
  }

  unlink(): void {
    this.parent.removeListener('abort', this.forward);
  }
}
