import type { ErrorKind } from '@tollgate/core';
import type { PerKind, RouterSettings } from './settings/settings.js';
import type { Rng } from './types.js';

/**
 * Retries a request gets in a group for this kind of failure. The request's own override wins
 * (x-tollgate-num-retries or body num_retries), then the group's retry policy, then retry_policy
 * (per kind, LiteLLM's names), then the deployments' `num_retries`, then num_retries (default 2).
 * A 400 is never retried.
 */
export function retriesFor(kind: ErrorKind, group: string, settings: RouterSettings, request: { numRetries?: number }, deploymentRetries?: number): number {
  if (kind === 'bad_request' || kind === 'aborted' || kind === 'internal') return 0;
  if (request.numRetries !== undefined) return request.numRetries;
  const fromPolicy = (p: PerKind | undefined) => (p ? p.byKind[kind] ?? p.other : undefined);
  const policy = fromPolicy(settings.model_group_retry_policy[group]) ?? fromPolicy(settings.retry_policy);
  if (policy !== undefined) return policy;
  // A context-window or content-policy error fails the same way again unless a policy says otherwise.
  if (kind === 'context_window_exceeded' || kind === 'content_policy') return 0;
  return deploymentRetries ?? settings.num_retries;
}

/** Retry-After values LiteLLM honours (litellm/utils.py _calculate_retry_after, after openai-python): 0 < s <= 60. */
const MAX_RETRY_AFTER_S = 60;
const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;

/**
 * How long to wait before trying the same deployment again: the upstream's Retry-After when it
 * is at most 60 s, else an exponential backoff (0.5 s, 1 s, 2 s, ... up to 8 s) with jitter
 * (x 0.75-1), never less than `retry_after` seconds. Undefined when the upstream asked for longer
 * than 60 s: waiting inside one request is then pointless.
 */
export function retryDelayMs(retryAfter: number | undefined, retriesDone: number, minSeconds: number, rng: Rng): number | undefined {
  if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_S) return undefined;
  const base = retryAfter !== undefined && retryAfter > 0
    ? retryAfter * 1000
    : Math.min(INITIAL_DELAY_MS * 2 ** retriesDone, MAX_DELAY_MS) * (1 - 0.25 * rng());
  return Math.round(Math.max(base, minSeconds * 1000));
}
