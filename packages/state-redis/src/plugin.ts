import { TOKENS, type Plugin, type TollgateConfig } from '@tollgate/core';
import type { RedisConnection } from './connect.js';
import { RedisSharedState, type RedisSharedStateOptions } from './redis-state.js';

export type RedisStatePluginOptions = Pick<RedisSharedStateOptions, 'url' | 'host' | 'port' | 'username' | 'password' | 'db' | 'keyPrefix' | 'commandTimeoutMs'>;

/**
 * The connection keys: `settings.redis_url` natively; LiteLLM's `router_settings.redis_host`,
 * `redis_port`, `redis_password` (and `redis_url`) fold into `router` (litellm/router.py,
 * Router.__init__: redis_url, or redis_host with redis_port).
 */
const CONNECTION_KEYS = {
  redis_url: { type: 'string', pattern: '^rediss?://', 'x-message': 'must be a redis:// or rediss:// URL' },
  redis_host: { type: 'string', minLength: 1 },
  redis_port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]{1,5}$' }], 'x-message': 'must be a port number' },
  redis_password: { type: 'string' },
} as const;

/**
 * Where the shared state lives, first found: the plugin's options; `settings.redis_url`, then
 * `router.redis_url` (LiteLLM's router_settings); a `redis_host` in `settings` or `router` (with
 * `redis_port`, `redis_password`, each also from REDIS_PORT / REDIS_PASSWORD); then REDIS_URL;
 * then REDIS_HOST (with REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD), as LiteLLM reads them
 * (litellm/_redis.py: environment variables under the config's values); else 127.0.0.1:6379.
 * LiteLLM's `cache_params` are the cache's Redis, not this one.
 */
export function redisConnection(options: RedisConnection, config: Pick<TollgateConfig, 'settings' | 'router'>, env: NodeJS.ProcessEnv = process.env): RedisConnection {
  if (options.url || options.host) return options;
  const pick = (key: keyof typeof CONNECTION_KEYS): string | undefined => {
    const v = config.settings[key] ?? (config.router as Record<string, unknown>)[key];
    return v === undefined || v === null ? undefined : String(v);
  };
  const url = pick('redis_url');
  if (url) return { url };
  const fromHost = (host: string, port: string | undefined, password: string | undefined, username?: string): RedisConnection => {
    const c: RedisConnection = { host, port: port ? Number(port) : 6379 };
    if (password) c.password = password;
    if (username) c.username = username;
    return c;
  };
  const host = pick('redis_host');
  if (host) return fromHost(host, pick('redis_port') ?? env.REDIS_PORT, pick('redis_password') ?? env.REDIS_PASSWORD, env.REDIS_USERNAME);
  if (env.REDIS_URL) return { url: env.REDIS_URL };
  if (env.REDIS_HOST) return fromHost(env.REDIS_HOST, env.REDIS_PORT, env.REDIS_PASSWORD, env.REDIS_USERNAME);
  return { host: '127.0.0.1', port: 6379 };
}

/** host:port of a connection, for a log line: never its password. */
function where(c: RedisConnection): string {
  if (!c.url) return `${c.host ?? '127.0.0.1'}:${c.port ?? 6379}`;
  try {
    const u = new URL(c.url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'the configured URL';
  }
}

/**
 * Registers a RedisSharedState under TOKENS.SharedState (replacing the in-memory default) and
 * closes it on shutdown. Plugins that use shared state resolve TOKENS.SharedState at `ready`, so
 * the order of registration does not matter. Start-up waits up to 2 s for Redis; without it the
 * gateway starts anyway, on process memory, and switches to Redis when it answers.
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
  config: { settings: CONNECTION_KEYS, router: CONNECTION_KEYS },
  async apply(gateway, options = {}) {
    const connection = redisConnection(options, gateway.config);
    const store = new RedisSharedState({ ...options, ...connection, logger: gateway.logger });
    gateway.container.register(TOKENS.SharedState, { useValue: store });
    gateway.hooks.shutdown.tapPromise('@tollgate/state-redis', () => store.close());
    const up = await store.ready();
    gateway.logger.info({ redis: where(connection), shared: up }, up ? 'shared state in Redis' : 'shared state: Redis not answering yet, on process memory until it does');
  },
};
