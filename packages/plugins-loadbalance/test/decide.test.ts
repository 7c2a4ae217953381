import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '@tollgate/core';
import { decide, requestOverrides, seededRng, type AttemptState, type Decision } from '@tollgate/plugin-loadbalance';
import { settings } from './helpers.js';

const rng = seededRng(1);
function state(over: Partial<AttemptState> = {}): AttemptState {
  return { triedGroups: ['gpt-4o'], attemptsInGroup: 1, remainingInPlan: 0, request: {}, ...over };
}
const run = (kind: ErrorKind, over: Partial<AttemptState> = {}, router: Record<string, unknown> = {}, retryAfter?: number): Decision =>
  decide({ kind, retryAfter }, state(over), settings(router), rng);

describe('retries', () => {
  it('try the next deployment of the plan at once on a transient failure', () => {
    for (const kind of ['rate_limit', 'overloaded', 'timeout', 'connection', 'server'] as const) {
      expect(run(kind, { remainingInPlan: 2 })).toEqual({ action: 'next', delayMs: 0 });
    }
  });

  it('retry the same deployment after its Retry-After when it is the last one', () => {
    expect(run('rate_limit', {}, {}, 3)).toEqual({ action: 'retry', delayMs: 3000 });
    expect(run('overloaded', {}, {}, 0.5)).toEqual({ action: 'retry', delayMs: 500 });
  });

  it('back off 0.5 s, 1 s, 2 s ... with jitter when there is no Retry-After, never below retry_after', () => {
    const delays = [1, 2, 3].map((attempts) => (run('server', { attemptsInGroup: attempts }, { num_retries: 5 }) as { delayMs: number }).delayMs);
    expect(delays[0]).toBeGreaterThanOrEqual(375);
    expect(delays[0]).toBeLessThanOrEqual(500);
    expect(delays[1]).toBeGreaterThanOrEqual(750);
    expect(delays[1]).toBeLessThanOrEqual(1000);
    expect(delays[2]).toBeGreaterThanOrEqual(1500);
    expect(delays[2]).toBeLessThanOrEqual(2000);
    expect(run('server', {}, { retry_after: 2 })).toEqual({ action: 'retry', delayMs: 2000 });
  });

  it('never retry a 400, nor fall back from it', () => {
    expect(run('bad_request', { remainingInPlan: 3 }, { num_retries: 5, retry_policy: { BadRequestErrorRetries: 3 }, fallbacks: [{ 'gpt-4o': ['other'] }] })).toEqual({ action: 'stop' });
  });

  it('stop when the client went away', () => {
    expect(run('aborted', { remainingInPlan: 3 }, { fallbacks: [{ 'gpt-4o': ['other'] }] })).toEqual({ action: 'stop' });
  });

  it('stop after num_retries retries in the group', () => {
    expect(run('server', { attemptsInGroup: 3, remainingInPlan: 2 }, { num_retries: 2 })).toEqual({ action: 'stop' });
    expect(run('server', { attemptsInGroup: 2, remainingInPlan: 2 }, { num_retries: 2 })).toEqual({ action: 'next', delayMs: 0 });
    expect(run('server', { remainingInPlan: 2 }, { num_retries: 0 })).toEqual({ action: 'stop' });
  });

  it('take the number of retries per error kind from retry_policy', () => {
    const policy = { num_retries: 5, retry_policy: { RateLimitErrorRetries: 0, TimeoutErrorRetries: 3 } };
    expect(run('rate_limit', { remainingInPlan: 1 }, policy)).toEqual({ action: 'stop' });
    expect(run('timeout', { attemptsInGroup: 3, remainingInPlan: 1 }, policy)).toEqual({ action: 'next', delayMs: 0 });
    expect(run('timeout', { attemptsInGroup: 4, remainingInPlan: 1 }, policy)).toEqual({ action: 'stop' });
    expect(run('server', { attemptsInGroup: 5, remainingInPlan: 1 }, policy)).toEqual({ action: 'next', delayMs: 0 });
  });

  it('let a group\'s policy (model_group_retry_policy) win over retry_policy', () => {
    const router = { retry_policy: { RateLimitErrorRetries: 3 }, model_group_retry_policy: { 'gpt-4o': { RateLimitErrorRetries: 0 } } };
    expect(run('rate_limit', { remainingInPlan: 1 }, router)).toEqual({ action: 'stop' });
    expect(run('rate_limit', { remainingInPlan: 1, triedGroups: ['other'] }, router)).toEqual({ action: 'next', delayMs: 0 });
  });

  it('let the request override num_retries (header or body) and the deployments\' num_retries count before the router\'s', () => {
    expect(run('server', { remainingInPlan: 1, request: requestOverrides({}, { 'x-tollgate-num-retries': '0' }) }, { num_retries: 5 })).toEqual({ action: 'stop' });
    expect(run('server', { attemptsInGroup: 4, remainingInPlan: 1, request: requestOverrides({ num_retries: 4 }) })).toEqual({ action: 'next', delayMs: 0 });
    expect(run('server', { attemptsInGroup: 2, remainingInPlan: 1, deploymentRetries: 1 }, { num_retries: 5 })).toEqual({ action: 'stop' });
  });

  it('move to another deployment on 401, 403 and 404, but never retry the same one', () => {
    for (const kind of ['auth', 'permission', 'not_found'] as const) {
      expect(run(kind, { remainingInPlan: 1 })).toEqual({ action: 'next', delayMs: 0 });
      expect(run(kind, { remainingInPlan: 0 })).toEqual({ action: 'stop' });
    }
  });

  it('do not wait out a Retry-After over 60 s inside a request', () => {
    expect(run('rate_limit', {}, {}, 120)).toEqual({ action: 'stop' });
  });
});

describe('fallbacks', () => {
  const router = {
    fallbacks: [{ 'gpt-4o': ['claude', 'mini'] }, { claude: ['haiku'] }],
    context_window_fallbacks: [{ 'gpt-4o': ['gpt-4.1'] }],
    content_policy_fallbacks: [{ 'gpt-4o': ['llama'] }],
  };

  it('go to the first fallback group once the group has nothing left', () => {
    expect(run('server', { attemptsInGroup: 3 }, router)).toEqual({ action: 'fallback', group: 'claude' });
  });

  it('fall back at once from a rate-limited group with no other deployment', () => {
    expect(run('rate_limit', {}, router, 2)).toEqual({ action: 'fallback', group: 'claude' });
    expect(run('rate_limit', {}, {}, 2)).toEqual({ action: 'retry', delayMs: 2000 });
  });

  it('follow a fallback group\'s own fallbacks first, then the rest, never a group twice', () => {
    expect(run('server', { triedGroups: ['gpt-4o', 'claude'], attemptsInGroup: 3 }, router)).toEqual({ action: 'fallback', group: 'haiku' });
    expect(run('server', { triedGroups: ['gpt-4o', 'claude', 'haiku'], attemptsInGroup: 3 }, router)).toEqual({ action: 'fallback', group: 'mini' });
    expect(run('server', { triedGroups: ['gpt-4o', 'claude', 'haiku', 'mini'], attemptsInGroup: 3 }, router)).toEqual({ action: 'stop' });
  });

  it('use context_window_fallbacks for a context-window error, and no retry', () => {
    expect(run('context_window_exceeded', { remainingInPlan: 2 }, router)).toEqual({ action: 'fallback', group: 'gpt-4.1' });
  });

  it('use content_policy_fallbacks for a content-policy error', () => {
    expect(run('content_policy', { remainingInPlan: 2 }, router)).toEqual({ action: 'fallback', group: 'llama' });
  });

  it('use the regular fallbacks for those errors when their own list is not configured, and none when it has no entry', () => {
    expect(run('context_window_exceeded', {}, { fallbacks: router.fallbacks })).toEqual({ action: 'fallback', group: 'claude' });
    expect(run('context_window_exceeded', { triedGroups: ['claude'] }, router)).toEqual({ action: 'stop' });
  });

  it('use default_fallbacks for a group without its own, and match a wildcard group without its provider', () => {
    expect(run('server', { triedGroups: ['other'], attemptsInGroup: 3 }, { default_fallbacks: ['safe'] })).toEqual({ action: 'fallback', group: 'safe' });
    expect(run('server', { triedGroups: ['openai/gpt-4o'], attemptsInGroup: 3 }, router)).toEqual({ action: 'fallback', group: 'claude' });
  });

  it('stop after max_fallbacks groups', () => {
    const chain = { fallbacks: [{ a: ['b'] }, { b: ['c'] }, { c: ['d'] }], max_fallbacks: 2 };
    expect(run('server', { triedGroups: ['a', 'b'], attemptsInGroup: 3 }, chain)).toEqual({ action: 'fallback', group: 'c' });
    expect(run('server', { triedGroups: ['a', 'b', 'c'], attemptsInGroup: 3 }, chain)).toEqual({ action: 'stop' });
  });

  it('take the request\'s own fallbacks, or none with disable_fallbacks', () => {
    expect(run('server', { attemptsInGroup: 3, request: requestOverrides({ fallbacks: ['mine'] }) }, router)).toEqual({ action: 'fallback', group: 'mine' });
    expect(run('server', { attemptsInGroup: 3, request: requestOverrides({ disable_fallbacks: true }) }, router)).toEqual({ action: 'stop' });
  });

  it('go straight to a fallback when routing found no deployment (all cooling)', () => {
    expect(run('rate_limit', { attemptsInGroup: 0 }, router, 4)).toEqual({ action: 'fallback', group: 'claude' });
    expect(run('rate_limit', { attemptsInGroup: 0 }, {}, 4)).toEqual({ action: 'stop' });
  });
});
