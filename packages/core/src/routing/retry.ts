import type { GatewayError } from '../errors.js';
import type { AttemptDecision } from '../pipeline/hooks.js';

export interface RetrySettings {
  /** Retries of the same deployment after the plan is used up (router `num_retries`). */
  numRetries: number;
  /** Longest wait the gateway accepts before a retry; a longer retry-after goes to the client. */
  maxRetryWaitMs: number;
  /** Base of the exponential backoff (full jitter). */
  backoffBaseMs: number;
  /** Cap of one backoff wait. */
  backoffMaxMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { numRetries: 0, maxRetryWaitMs: 30_000, backoffBaseMs: 500, backoffMaxMs: 8_000 };

/** Where the attempt loop stands when an attempt failed. */
export interface AttemptPosition {
  /** Index of the failed deployment in the plan. */
  index: number;
  planLength: number;
  /** Retries of the same deployment already made. */
  retries: number;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^n)). */
export function backoffMs(retry: number, s: RetrySettings, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** retry));
}

/**
 * The core's decision when no plugin decides: a retryable error moves to the next deployment of
 * the plan; past its end, the same deployment is retried up to `numRetries` times, waiting the
 * upstream's retry-after (when it fits in `maxRetryWaitMs`, else the error goes to the client
 * with it) or a jittered backoff. Never wraps around the plan, never retries a non-retryable kind.
 */
export function defaultDecision(e: GatewayError, at: AttemptPosition, s: RetrySettings): AttemptDecision {
  if (!e.retryable) return { action: 'stop' };
  if (at.index + 1 < at.planLength) return { action: 'next' };
  if (at.retries >= s.numRetries) return { action: 'stop' };
  return retryAfterDecision(e, at.retries, s);
}

/** `retry` after the upstream's retry-after or a backoff; `stop` when the upstream asks for longer than allowed. */
export function retryAfterDecision(e: GatewayError, retries: number, s: RetrySettings): AttemptDecision {
  if (e.retryAfter !== undefined) {
    const ms = e.retryAfter * 1000;
    return ms > s.maxRetryWaitMs ? { action: 'stop' } : { action: 'retry', delayMs: ms };
  }
  return { action: 'retry', delayMs: backoffMs(retries, s) };
}
