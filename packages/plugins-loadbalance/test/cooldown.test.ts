import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorKind, SharedState } from '@tollgate/core';
import { allCoolingError, Cooldowns, type DeploymentView } from '@tollgate/plugin-loadbalance';
import { closeRedisStates, group, manualClock, settings, STORES } from './helpers.js';

afterEach(closeRedisStates);

const COOLDOWN_S = 0.3;
const [a, b] = group('g', [{ id: 'a' }, { id: 'b' }]);
const ids = (ds: readonly DeploymentView[]) => ds.map((d) => d.id);
const fail = (kind: ErrorKind, retryAfter?: number) => ({ kind, retryAfter });

describe.each(STORES)('cooldowns on %s', (storeName, makeStores) => {
  /**
   * Two "processes" (two Cooldowns) on one store. With MemorySharedState time is a clock the test
   * moves; Redis keeps its own time, so there the test waits for real (cooldowns of 0.3 s).
   */
  async function setup(router: Record<string, unknown> = {}) {
    const clock = manualClock();
    const real = storeName === 'RedisSharedState';
    const open = await makeStores();
    const state: SharedState = await open(clock.now);
    const s = settings({ cooldown_time: COOLDOWN_S, ...router });
    const opts = real ? {} : { clock: clock.now };
    const wait = async (ms: number) => (real ? new Promise((r) => setTimeout(r, ms + 100)) : clock.advance(ms));
    return { p1: new Cooldowns(state, s, opts), p2: new Cooldowns(await open(clock.now), s, opts), wait };
  }

  it('cools a deployment after a 429 for cooldown_time, for every process', async () => {
    const { p1, p2 } = await setup();
    expect(await p1.recordFailure(a, fail('rate_limit'), 2)).toBe(true);
    const seen = await p2.filter([a, b]);
    expect(ids(seen.available)).toEqual(['b']);
    expect(seen.soonestMs).toBeGreaterThan(0);
    expect(seen.soonestMs).toBeLessThanOrEqual(COOLDOWN_S * 1000);
  });

  it('cools at once on 401 and 404 too, but not on a 400 or a content-policy refusal', async () => {
    const { p1 } = await setup();
    expect(await p1.recordFailure(a, fail('auth'), 2)).toBe(true);
    expect(await p1.recordFailure(b, fail('not_found'), 2)).toBe(true);
    const [c] = group('g', [{ id: 'c' }]);
    for (let i = 0; i < 10; i++) {
      expect(await p1.recordFailure(c, fail('bad_request'), 2)).toBe(false);
      expect(await p1.recordFailure(c, fail('content_policy'), 2)).toBe(false);
    }
    expect(ids((await p1.filter([a, b, c])).available)).toEqual(['c']);
  });

  it('never cools the only deployment of a group', async () => {
    const { p1 } = await setup();
    for (let i = 0; i < 10; i++) expect(await p1.recordFailure(a, fail('rate_limit'), 1)).toBe(false);
    expect(ids((await p1.filter([a])).available)).toEqual(['a']);
  });

  it('lets exactly one request probe a deployment after its cooldown; its success closes the circuit', async () => {
    const { p1, p2, wait } = await setup();
    await p1.recordFailure(a, fail('rate_limit'), 2);
    await wait(COOLDOWN_S * 1000);
    const first = await p1.filter([a, b]);
    const second = await p2.filter([a, b]);
    expect(ids(first.available)).toEqual(['a', 'b']);
    expect([...first.probes.keys()]).toEqual(['a']);
    expect(ids(second.available)).toEqual(['b']);
    expect(second.probes.size).toBe(0);

    await p1.recordSuccess(a, first.probes.get('a'));
    const after = await p2.filter([a, b]);
    expect(ids(after.available)).toEqual(['a', 'b']);
    expect(after.probes.size).toBe(0);
  });

  it('opens the circuit again when the probe fails', async () => {
    const { p1, p2, wait } = await setup();
    await p1.recordFailure(a, fail('rate_limit'), 2);
    await wait(COOLDOWN_S * 1000);
    const probe = (await p1.filter([a, b])).probes.get('a');
    expect(probe).toBeDefined();
    expect(await p1.recordFailure(a, fail('server'), 2, probe)).toBe(true);
    expect(ids((await p2.filter([a, b])).available)).toEqual(['b']);
  });

  it('cools when more than half of at least 5 requests in a minute failed', async () => {
    const { p1 } = await setup();
    await p1.recordSuccess(a);
    await p1.recordSuccess(a);
    expect(await p1.recordFailure(a, fail('server'), 2)).toBe(false);
    expect(await p1.recordFailure(a, fail('timeout'), 2)).toBe(false);
    expect(await p1.recordFailure(a, fail('connection'), 2)).toBe(true);
  });

  it('with allowed_fails, cools after more than that many failures in a minute (a 429 included)', async () => {
    const { p1 } = await setup({ allowed_fails: 2 });
    expect(await p1.recordFailure(a, fail('rate_limit'), 2)).toBe(false);
    expect(await p1.recordFailure(a, fail('server'), 2)).toBe(false);
    expect(await p1.recordFailure(a, fail('server'), 2)).toBe(true);
  });

  it('with allowed_fails_policy, counts against the limit of the failure\'s kind', async () => {
    const { p1 } = await setup({ allowed_fails_policy: { RateLimitErrorAllowedFails: 3, InternalServerErrorAllowedFails: 0 } });
    for (let i = 0; i < 3; i++) expect(await p1.recordFailure(a, fail('rate_limit'), 2)).toBe(false);
    expect(await p1.recordFailure(a, fail('rate_limit'), 2)).toBe(true);
    expect(await p1.recordFailure(b, fail('server'), 2)).toBe(true);
  });

  it('cools for the upstream\'s Retry-After, and for the deployment\'s own cooldown_time before both', async () => {
    const { p1 } = await setup();
    await p1.recordFailure(a, fail('rate_limit', 30), 2);
    const [own] = group('g', [{ id: 'own', cooldown_time: 120 }]);
    await p1.recordFailure(own, fail('rate_limit', 30), 2);
    const cooling = await p1.filter([a]);
    expect(cooling.soonestMs).toBeGreaterThan(29_000);
    expect(cooling.soonestMs).toBeLessThanOrEqual(30_000);
    expect((await p1.filter([own])).soonestMs).toBeGreaterThan(119_000);
  });

  it('does nothing with disable_cooldowns', async () => {
    const { p1 } = await setup({ disable_cooldowns: true });
    expect(await p1.recordFailure(a, fail('rate_limit'), 2)).toBe(false);
    expect(ids((await p1.filter([a, b])).available)).toEqual(['a', 'b']);
  });

  it('answers a group whose deployments all cool with a 429 whose retry-after is the soonest recovery', async () => {
    const { p1 } = await setup();
    await p1.recordFailure(a, fail('rate_limit', 7), 2);
    await p1.recordFailure(b, fail('rate_limit', 3), 2);
    const { available, soonestMs } = await p1.filter([a, b]);
    expect(available).toEqual([]);
    const err = allCoolingError('g', soonestMs!);
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(3);
  });
});
