import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Gateway, TOKENS, createLogger } from '@tollgate/core';
import redisStatePlugin, { RedisSharedState } from '@tollgate/state-redis';

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
});
