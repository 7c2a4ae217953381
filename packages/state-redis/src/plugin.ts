import { TOKENS, type Plugin } from '@tollgate/core';
import { RedisSharedState, type RedisSharedStateOptions } from './redis-state.js';

export type RedisStatePluginOptions = Pick<RedisSharedStateOptions, 'url' | 'host' | 'port' | 'username' | 'password' | 'db' | 'keyPrefix' | 'commandTimeoutMs'>;

/**
 * Registers a RedisSharedState under TOKENS.SharedState (replacing the in-memory default) and
 * closes it on shutdown. Register it before the plugins that use shared state, or let them resolve
 * TOKENS.SharedState at `ready`. Start-up waits up to 2 s for Redis; without it the gateway starts
 * anyway, on process memory, and switches to Redis when it answers.
 */
export const redisStatePlugin: Plugin<RedisStatePluginOptions> = {
  name: '@tollgate/state-redis',
  meta: { core: '^0.1.0' },
  schema: {
    type: 'object',
    properties: {
      url: { type: 'string', pattern: '^rediss?://', 'x-message': 'must be a redis:// or rediss:// URL' },
      host: { type: 'string', minLength: 1 },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      username: { type: 'string' },
      password: { type: 'string' },
      db: { type: 'integer', minimum: 0 },
      keyPrefix: { type: 'string' },
      commandTimeoutMs: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  async apply(gateway, options) {
    const store = new RedisSharedState({ ...options, logger: gateway.logger });
    gateway.container.register(TOKENS.SharedState, { useValue: store });
    gateway.hooks.shutdown.tapPromise('@tollgate/state-redis', () => store.close());
    await store.ready();
  },
};
