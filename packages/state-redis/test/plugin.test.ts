import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Gateway, TOKENS, createLogger, normalizeConfig } from '@tollgate/core';
import redisStatePlugin, { RedisSharedState, redisConnection } from '@tollgate/state-redis';

const gateway = () => new Gateway({ config: { model_list: [] }, logger: createLogger({ level: 'silent' }) });

describe('redisStatePlugin', () => {
  it('registers a Redis store under TOKENS.SharedState and closes it on shutdown', async () => {
    const g = gateway();
    await g.use(redisStatePlugin, { url: 'redis://127.0.0.1:6379', keyPrefix: `tg-test:${randomUUID()}:` });
    await g.start();
    const s = g.container.resolve(TOKENS.SharedState);
    expect(s).toBeInstanceOf(RedisSharedState);
    expect(s.kind).toBe('redis');
    expect(s.shared).toBe(true);
    await g.close();
    expect((s as RedisSharedState)['client'].status).toBe('end');
  });

  it('connects with host and port', async () => {
    const g = gateway();
    await g.use(redisStatePlugin, { host: '127.0.0.1', port: 6379, keyPrefix: `tg-test:${randomUUID()}:` });
    expect(g.container.resolve(TOKENS.SharedState).shared).toBe(true);
    await g.close();
  });

  it('names the bad option', async () => {
    await expect(gateway().use(redisStatePlugin, { url: 'http://x' })).rejects.toThrow('options.url: must be a redis:// or rediss:// URL');
    await expect(gateway().use(redisStatePlugin, { port: 'x' })).rejects.toThrow('options.port');
  });

  it("connects where a LiteLLM config's router_settings say, and declares those keys", async () => {
    const { config } = normalizeConfig({ model_list: [], router_settings: { redis_host: '127.0.0.1', redis_port: '6379', routing_strategy: 'simple-shuffle' } }, {});
    const g = new Gateway({ config, logger: createLogger({ level: 'silent' }) });
    await g.use(redisStatePlugin, { keyPrefix: `tg-test:${randomUUID()}:` });
    await g.start(); // redis_host and redis_port are owned: not reported as unknown
    expect(g.container.resolve(TOKENS.SharedState).shared).toBe(true);
    await g.close();
  });
});

describe('where the shared state connects', () => {
  const none = { settings: {}, router: {} };
  it('options first, then settings.redis_url, then router_settings, then the environment', () => {
    const env = { REDIS_URL: 'redis://env:6379', REDIS_PASSWORD: 'env-secret' };
    expect(redisConnection({ host: 'opt' }, { settings: { redis_url: 'redis://s:1' }, router: {} }, env)).toEqual({ host: 'opt' });
    expect(redisConnection({}, { settings: { redis_url: 'redis://s:1' }, router: { redis_host: 'r' } }, env)).toEqual({ url: 'redis://s:1' });
    expect(redisConnection({}, { settings: {}, router: { redis_host: 'r', redis_port: '6380' } }, env)).toEqual({ host: 'r', port: 6380, password: 'env-secret' });
    expect(redisConnection({}, { settings: {}, router: { redis_host: 'r', redis_password: 'cfg' } }, {})).toEqual({ host: 'r', port: 6379, password: 'cfg' });
    expect(redisConnection({}, none, env)).toEqual({ url: 'redis://env:6379' });
  });

  it("reads LiteLLM's REDIS_HOST, REDIS_PORT, REDIS_USERNAME and REDIS_PASSWORD, else the local default", () => {
    expect(redisConnection({}, none, { REDIS_HOST: 'h', REDIS_PORT: '7000', REDIS_USERNAME: 'u', REDIS_PASSWORD: 'p' })).toEqual({ host: 'h', port: 7000, username: 'u', password: 'p' });
    expect(redisConnection({}, none, {})).toEqual({ host: '127.0.0.1', port: 6379 });
  });
});
