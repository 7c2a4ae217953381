import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemorySharedState, type SharedState } from '@tollgate/core';
import { RedisSharedState } from '@tollgate/state-redis';
import { deploymentView, resolveRouterSettings, type DeploymentView, type RouterSettings } from '@tollgate/plugin-loadbalance';

/** Deployments of one group from short specs: `{ id, ...params }`. */
export function group(name: string, specs: Array<{ id: string; model_info?: Record<string, unknown> } & Record<string, unknown>>): DeploymentView[] {
  return specs.map(({ id, model_info, ...params }) => deploymentView({ id, modelName: name, params: { model: `mock/${id}`, ...params }, modelInfo: model_info }));
}

/** Router settings from a native `router:` section. */
export function settings(router: Record<string, unknown> = {}): RouterSettings {
  return resolveRouterSettings({ router }).settings;
}

/** A clock tests move by hand. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

const REDIS_URL = 'redis://127.0.0.1:6379';
const opened: RedisSharedState[] = [];
const prefixes: string[] = [];

/** A store on the machine's shared Redis under a fresh random prefix (several may share one). */
export async function redisState(prefix = `tg-test:lb:${randomUUID()}:`): Promise<RedisSharedState> {
  const s = new RedisSharedState({ url: REDIS_URL, keyPrefix: prefix });
  opened.push(s);
  prefixes.push(prefix);
  if (!(await s.ready())) throw new Error('Redis on 127.0.0.1:6379 is not answering');
  return s;
}

/** Close the stores opened by a test and delete its keys (only under its own prefixes). */
export async function closeRedisStates(): Promise<void> {
  for (const s of opened.splice(0)) await s.close();
  const ps = prefixes.splice(0);
  if (!ps.length) return;
  const admin = new Redis(REDIS_URL);
  for (const p of new Set(ps)) {
    const keys = await admin.keys(`${p}*`);
    if (keys.length) await admin.del(...keys);
  }
  await admin.quit();
}

/** Both stores, for tests that must hold with either; `make` returns stores sharing one namespace. */
export const STORES: Array<[string, () => Promise<(clock?: () => number) => Promise<SharedState>>]> = [
  ['MemorySharedState', async () => {
    let shared: MemorySharedState | undefined;
    return async (clock) => (shared ??= new MemorySharedState(60_000, clock));
  }],
  ['RedisSharedState', async () => {
    const prefix = `tg-test:lb:${randomUUID()}:`;
    return async () => redisState(prefix);
  }],
];
