import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisSharedState } from '@tollgate/state-redis';
import { OwnRedis, waitFor } from './redis-server.js';

// Each test runs its own redis-server (never the shared one on 6379) and kills, freezes and restarts it.
let server: OwnRedis | null = null;
let state: RedisSharedState | null = null;
afterEach(async () => {
  await state?.close();
  await server?.kill();
  server?.resume();
  state = server = null;
});

function logger() {
  return { error: vi.fn(), warn: vi.fn() };
}

async function connect(log = logger(), commandTimeoutMs = 100): Promise<{ s: RedisSharedState; log: ReturnType<typeof logger> }> {
  server = await OwnRedis.start();
  state = new RedisSharedState({ url: server.url, logger: log, commandTimeoutMs, probeIntervalMs: 50 });
  expect(await state.ready()).toBe(true);
  return { s: state, log };
}

describe('RedisSharedState when Redis goes away', () => {
  it('keeps answering from memory, logs the loss once, and shares again when Redis is back', async () => {
    const { s, log } = await connect();
    expect((await s.hit('w', 60_000, 1, 10)).count).toBe(1);
    expect(s.shared).toBe(true);

    await server!.kill();
    const during = [];
    for (let i = 0; i < 30; i++) during.push(await s.hit('w', 60_000, 1, 10));
    expect(s.shared).toBe(false);
    // Process memory starts its own window: 10 admitted, then refused, and requests keep flowing.
    expect(during.filter((r) => r.allowed)).toHaveLength(10);
    expect(await s.get(['missing'])).toEqual([null]);
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(log.error.mock.calls[0][1]).toMatch(/unreachable/);

    await server!.start();
    await waitFor(() => s.shared, 10_000);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][0]).toMatch(/reachable again/);
    await s.set('after', 'yes', 60_000);
    const direct = new Redis(server!.url);
    expect(await direct.get('tollgate:after')).toBe('yes');
    await direct.quit();
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('bounds the wait on a hung Redis, then falls back until it answers again', async () => {
    const { s, log } = await connect(logger(), 50);
    await s.set('v', 'x', 60_000);
    server!.pause();
    const answer = await Promise.race([s.get(['v']), new Promise((r) => setTimeout(() => r('hung'), 2000))]);
    expect(answer).toEqual([null]);
    expect(s.shared).toBe(false);
    expect(log.error).toHaveBeenCalledTimes(1);
    // Once marked down, calls do not wait on Redis at all.
    expect(await s.hit('w', 60_000)).toMatchObject({ count: 1, allowed: true });

    server!.resume();
    await waitFor(() => s.shared, 5000);
    expect(await s.get(['v'])).toEqual(['x']);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('starts on process memory when Redis is not there, and moves to Redis when it comes', async () => {
    server = new OwnRedis((await OwnRedis.start().then(async (r) => { await r.kill(); return r; })).port);
    const log = logger();
    state = new RedisSharedState({ url: server.url, logger: log });
    expect(await state.ready(300)).toBe(false);
    expect(await state.hit('w', 60_000)).toMatchObject({ count: 1, allowed: true });
    expect(log.error).toHaveBeenCalledTimes(1);

    await server.start();
    await waitFor(() => state!.shared, 10_000);
    expect((await state.hit('w', 60_000)).count).toBe(1);
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('releases a slot taken during the outage to the store that gave it', async () => {
    const { s } = await connect();
    await server!.kill();
    const release = await s.acquire('slot', 1, 60_000);
    expect(release).not.toBeNull();
    expect(await s.acquire('slot', 1, 60_000)).toBeNull();
    await release!();
    expect(await s.acquire('slot', 1, 60_000)).not.toBeNull();
  });
});
