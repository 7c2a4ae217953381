import { isRetryableKind } from '@tollgate/core';
import { nextFallbackGroup } from './fallbacks.js';
import { retriesFor, retryDelayMs } from './retry.js';
import type { FallbackMap, RouterSettings } from './settings/settings.js';
import type { FailureInfo, Rng } from './types.js';

/** Where a request stands when an attempt failed (or when routing found no deployment). */
export interface AttemptState {
  /** Groups tried so far: the requested one first, the current one last. */
  readonly triedGroups: readonly string[];
  /** Attempts made in the current group, the failed one included; 0 when routing found no deployment. */
  readonly attemptsInGroup: number;
  /** Deployments after the failed one in the current group's plan. */
  readonly remainingInPlan: number;
  /** The group's deployments' own `num_retries`, if set. */
  readonly deploymentRetries?: number;
  readonly request: { readonly numRetries?: number; readonly fallbacks?: FallbackMap; readonly disableFallbacks?: boolean };
}

export type Decision =
  /** The same deployment again, after `delayMs`. */
  | { readonly action: 'retry'; readonly delayMs: number }
  /** The next deployment of the plan, now. */
  | { readonly action: 'next'; readonly delayMs: 0 }
  /** Another model group: route it and go on with its plan. */
  | { readonly action: 'fallback'; readonly group: string }
  | { readonly action: 'stop' };

const NEXT: Decision = { action: 'next', delayMs: 0 };
const STOP: Decision = { action: 'stop' };

/**
 * What to do after a failure, from its kind and retry-after alone (never its message), following
 * LiteLLM's router (litellm/router.py: async_function_with_retries, should_retry_this_error,
 * _time_to_sleep_before_retry; run_async_fallback):
 * - a 400 is never retried and never falls back; a client abort stops;
 * - while the group has retries left (see retriesFor), the next deployment of the plan is tried
 *   at once; when none is left, the same one is retried after its Retry-After or a backoff if the
 *   failure is transient (429, 503, timeout, connection, 5xx), except that a rate-limited group
 *   with somewhere to fall back to falls back at once;
 * - then a fallback group (context-window and content-policy errors have their own lists);
 * - else stop: the error goes to the client.
 */
export function decide(error: FailureInfo, state: AttemptState, settings: RouterSettings, rng: Rng): Decision {
  const { kind } = error;
  if (kind === 'aborted') return STOP;
  const group = state.triedGroups[state.triedGroups.length - 1];
  const fallback = () => {
    const g = nextFallbackGroup(kind, state.triedGroups, settings, state.request);
    return g ? ({ action: 'fallback', group: g } as const) : STOP;
  };
  if (state.attemptsInGroup === 0) return fallback();
  const retriesDone = state.attemptsInGroup - 1;
  if (retriesFor(kind, group, settings, state.request, state.deploymentRetries) <= retriesDone) return fallback();
  if (state.remainingInPlan > 0) return NEXT;
  if (!isRetryableKind(kind)) return fallback();
  if (kind === 'rate_limit') {
    const f = fallback();
    if (f.action === 'fallback') return f;
  }
  const delayMs = retryDelayMs(error.retryAfter, retriesDone, settings.retry_after, rng);
  return delayMs === undefined ? fallback() : { action: 'retry', delayMs };
}
