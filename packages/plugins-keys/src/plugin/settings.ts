import path from 'node:path';
import { ConfigError, type ConfigKeys, type Gateway } from '@tollgate/core';
import { parseDuration } from '../duration.js';
import type { KeysEngineOptions } from '../engine.js';
import { isPostgresUrl } from '../store/open.js';

/**
 * The config keys this plugin reads. LiteLLM's `general_settings` and `litellm_settings` fold into
 * `settings` (names and meanings from LiteLLM's proxy config docs, docs/proxy/configs.md and
 * litellm/proxy/proxy_server.py). `master_key` is the core's.
 */
export const KEYS_CONFIG: ConfigKeys = {
  settings: {
    database_url: { type: 'string', minLength: 1 },
    store_model_in_db: { type: 'boolean' },
    max_budget: { type: 'number', minimum: 0 },
    budget_duration: { type: 'string', minLength: 1 },
    disable_spend_logs: { type: 'boolean' },
    database_connection_pool_limit: { type: 'integer', minimum: 1 },
    proxy_batch_write_at: { type: 'number', exclusiveMinimum: 0 },
    user_api_key_cache_ttl: { type: 'number', minimum: 0 },
    dangerously_allow_unsafe_proxy: { type: 'boolean' },
  },
};

/** Options given in code or as `[name, options]` in `plugins`; they win over settings. */
export interface KeysPluginOptions {
  /** `postgres://…` (Prisma's `?schema=` honoured) or a SQLite file (relative to the config file). */
  database_url?: string;
  /** How long verified keys and their records are served from memory (default 30 s, or settings.user_api_key_cache_ttl). */
  cache_ttl_ms?: number;
  /** How often spend and spend logs are written (default 5 s, or settings.proxy_batch_write_at). */
  spend_write_interval_ms?: number;
  /** How often budgets past their reset time are reset (default 60 s). */
  budget_reset_interval_ms?: number;
  /** With store_model_in_db: how often other processes' model changes are picked up (default 10 s). */
  model_refresh_interval_ms?: number;
}

export const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    database_url: { type: 'string', minLength: 1 },
    cache_ttl_ms: { type: 'integer', minimum: 0 },
    spend_write_interval_ms: { type: 'integer', minimum: 1 },
    budget_reset_interval_ms: { type: 'integer', minimum: 1 },
    model_refresh_interval_ms: { type: 'integer', minimum: 1 },
  },
};

const env = (name: string): string | undefined => process.env[name] || undefined;

/**
 * The master key: `settings.master_key` (LiteLLM's `general_settings.master_key`), else
 * TOLLGATE_MASTER_KEY, else LITELLM_MASTER_KEY. Written back into the config before start so the
 * core's authentication step uses it too (the config loader does not read these variables yet).
 */
export function masterKeyOf(gateway: Gateway): string | undefined {
  const s = gateway.config.settings;
  if (typeof s.master_key !== 'string' || !s.master_key) {
    const fromEnv = env('TOLLGATE_MASTER_KEY') ?? env('LITELLM_MASTER_KEY');
    if (fromEnv) s.master_key = fromEnv;
  }
  return typeof s.master_key === 'string' && s.master_key ? s.master_key : undefined;
}

/**
 * With no master key nobody can be an admin, and the core turns authentication off: every caller
 * could use every model and the admin API. LiteLLM (proxy/auth/master_key_boot.py) refuses to
 * start then unless `dangerously_allow_unsafe_proxy` is set; so do we.
 */
export function refuseWithoutMasterKey(gateway: Gateway): void {
  if (gateway.config.settings.dangerously_allow_unsafe_proxy === true || env('LITELLM_DANGEROUSLY_ALLOW_UNSAFE_PROXY') === 'true') {
    gateway.logger.warn('@tollgate/plugin-keys: dangerously_allow_unsafe_proxy is on and no master key is set: every request is accepted without authentication and anyone can call the admin API. Never run this outside local development.');
    return;
  }
  throw new ConfigError(
    '@tollgate/plugin-keys: no master key is set, so every request (and the admin API) would be open. Set settings.master_key (LiteLLM: general_settings.master_key, e.g. os.environ/LITELLM_MASTER_KEY) or TOLLGATE_MASTER_KEY. For local development only, settings.dangerously_allow_unsafe_proxy: true starts anyway.',
  );
}

/** Where keys and spend live: database_url (option, setting, DATABASE_URL), else tollgate.db beside the config file. */
export function storeOf(gateway: Gateway, options: KeysPluginOptions): string {
  const url = options.database_url ?? (gateway.config.settings.database_url as string | undefined) ?? env('DATABASE_URL');
  if (url && isPostgresUrl(url)) return url;
  const file = url ? url.replace(/^(sqlite|file):(\/\/)?/i, '') : 'tollgate.db';
  return path.resolve(gateway.configDir, file);
}

/** Engine options from settings and plugin options (everything but the store, state and hooks). */
export function engineOptions(gateway: Gateway, options: KeysPluginOptions): Partial<KeysEngineOptions> {
  const s = gateway.config.settings;
  const ttlS = s.user_api_key_cache_ttl as number | undefined;
  const writeS = s.proxy_batch_write_at as number | undefined;
  const maxBudget = s.max_budget as number | undefined;
  const duration = (s.budget_duration as string | undefined) ?? null;
  if (duration && !parseDuration(duration)) throw new ConfigError(`settings.budget_duration: "${duration}" is not a duration (30s, 30m, 24h, 7d, 1mo).`);
  return {
    ...(options.cache_ttl_ms !== undefined || ttlS !== undefined ? { cache: { ttlMs: options.cache_ttl_ms ?? ttlS! * 1000 } } : {}),
    spend: { intervalMs: options.spend_write_interval_ms ?? (writeS !== undefined ? writeS * 1000 : 5_000) },
    budgetResetIntervalMs: options.budget_reset_interval_ms ?? 60_000,
    ...(maxBudget !== undefined && maxBudget > 0 ? { proxyBudget: { maxBudget, budgetDuration: duration } } : {}),
    disableSpendLogs: s.disable_spend_logs === true,
    ...(typeof s.database_connection_pool_limit === 'number' ? { poolMax: s.database_connection_pool_limit } : {}),
  };
}
