import type { RedisConnection } from '@tollgate/state-redis';
import { ConfigError, type TollgateConfig } from '@tollgate/core';

/** Operations the cache can serve (LiteLLM's call type names map onto them). */
export type CachedOperation = 'chat' | 'completions' | 'embeddings';
export const CACHED_OPERATIONS: readonly CachedOperation[] = ['chat', 'completions', 'embeddings'];

/**
 * LiteLLM's `supported_call_types` names (litellm/caching/caching.py) and ours. Types Tollgate
 * has no cacheable operation for (transcription, speech, rerank...) are ignored with a warning.
 */
const CALL_TYPES: Readonly<Record<string, CachedOperation>> = {
  completion: 'chat', acompletion: 'chat', chat: 'chat',
  text_completion: 'completions', atext_completion: 'completions', completions: 'completions',
  embedding: 'embeddings', aembedding: 'embeddings', embeddings: 'embeddings',
};

/** `type` values: LiteLLM's, plus Tollgate's names for the same things. */
export const CACHE_TYPES = ['local', 'memory', 'redis', 'redis-semantic', 'qdrant-semantic', 'local-semantic'] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

/** LiteLLM `cache_params` keys that have no meaning here (other backends, client tuning): one warning lists those set. */
const IGNORED_LITELLM_KEYS = new Set([
  'redis_flush_size', 'redis_startup_nodes', 'redis_semantic_cache_index_name', 'redis_semantic_cache_use_async', 'disk_cache_dir',
  'qdrant_api_base', 'qdrant_api_key', 'qdrant_collection_name', 'qdrant_quantization_config', 'qdrant_semantic_cache_embedding_model',
  's3_bucket_name', 's3_region_name', 's3_api_version', 's3_use_ssl', 's3_verify', 's3_endpoint_url', 's3_aws_access_key_id',
  's3_aws_secret_access_key', 's3_aws_session_token', 's3_config', 's3_path', 'gcs_bucket_name', 'gcs_path_service_account', 'gcs_path',
  'azure_account_url', 'azure_blob_container', 'default_in_memory_ttl', 'default_in_redis_ttl', 'max_size_in_memory', 'max_connections',
  'service_name', 'sentinel_nodes', 'sentinel_password', 'ssl', 'gcp_service_account', 'gcp_ssl_ca_certs',
]);

const seconds = { type: 'number', exclusiveMinimum: 0, 'x-message': 'must be a number of seconds above 0' };

/**
 * The cache's settings, one schema for both places they are written: the plugin's options
 * (`plugins: [["@tollgate/plugin-cache", {...}]]`) and LiteLLM's `litellm_settings.cache_params`
 * (folded into `settings.cache_params`). LiteLLM's names where it has one.
 */
export const SETTINGS_PROPERTIES = {
  type: { enum: CACHE_TYPES, 'x-message': `must be one of ${CACHE_TYPES.join(', ')} (LiteLLM's s3, gcs, disk and azure-blob caches are not available)` },
  mode: { enum: ['default_on', 'default_off'] },
  ttl: seconds,
  namespace: { type: 'string' },
  supported_call_types: { type: 'array', items: { type: 'string' } },
  host: { type: 'string', minLength: 1 },
  port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]{1,5}$' }], 'x-message': 'must be a port number' },
  password: { type: 'string' },
  username: { type: 'string' },
  url: { type: 'string', pattern: '^rediss?://', 'x-message': 'must be a redis:// or rediss:// URL' },
  db: { type: 'integer', minimum: 0 },
  similarity_threshold: { type: 'number', minimum: 0, maximum: 1 },
  redis_semantic_cache_embedding_model: { type: 'string', minLength: 1 },
  // Tollgate's own.
  scope: { enum: ['tenant', 'shared'], 'x-message': "must be 'tenant' (per key, else team) or 'shared' (one cache for every key)" },
  model_groups: { type: 'array', items: { type: 'string' } },
  max_size_mb: { type: 'number', exclusiveMinimum: 0 },
  compress_above_bytes: { type: 'integer', minimum: 0 },
  redis_timeout_ms: { type: 'integer', minimum: 1 },
  semantic_max_candidates: { type: 'integer', minimum: 1 },
} as const;

export const OPTIONS_SCHEMA = { type: 'object', properties: SETTINGS_PROPERTIES, additionalProperties: false } as const;
/** `cache_params` as LiteLLM writes it: other backends' keys are accepted (and ignored with a warning). */
export const CACHE_PARAMS_SCHEMA = { type: 'object', properties: SETTINGS_PROPERTIES, additionalProperties: true } as const;

export type CacheOptions = {
  type?: CacheType;
  mode?: 'default_on' | 'default_off';
  ttl?: number;
  namespace?: string;
  supported_call_types?: string[];
  host?: string;
  port?: number | string;
  password?: string;
  username?: string;
  url?: string;
  db?: number;
  similarity_threshold?: number;
  redis_semantic_cache_embedding_model?: string;
  scope?: 'tenant' | 'shared';
  model_groups?: string[];
  max_size_mb?: number;
  compress_above_bytes?: number;
  redis_timeout_ms?: number;
  semantic_max_candidates?: number;
};

/** Where the cache's own Redis is (cache_params host/port/password or url). */
export type RedisTarget = RedisConnection;

/** Everything the plugin needs, resolved once at start-up. */
export interface CacheSettings {
  store: 'memory' | 'redis';
  semantic: null | { index: 'memory' | 'redis'; threshold: number; embeddingModel: string; maxCandidates: number };
  /** false: only requests that ask (`cache: {"use-cache": true}`) are cached (LiteLLM's default_off). */
  defaultOn: boolean;
  ttlMs: number;
  namespace: string;
  operations: ReadonlySet<CachedOperation>;
  scope: 'tenant' | 'shared';
  /** null = every model group. */
  modelGroups: ReadonlySet<string> | null;
  maxBytes: number;
  compressAboveBytes: number;
  redisTimeoutMs: number;
  /** Explicit connection from the cache's own settings, or null (then state-redis's rules apply). */
  redis: RedisTarget | null;
  warnings: string[];
}

export const DEFAULTS = {
  ttlSeconds: 600,
  maxSizeMb: 64,
  compressAboveBytes: 1024,
  redisTimeoutMs: 250,
  similarityThreshold: 0.9,
  semanticMaxCandidates: 1000,
} as const;

/**
 * The settings from LiteLLM's `cache_params` (and `cache: true`) overlaid with the plugin's
 * options. `settings.cache: false` turns the cache off unless options were given in code.
 */
export function resolveSettings(options: CacheOptions, config: Pick<TollgateConfig, 'settings' | 'origins'>): CacheSettings | null {
  const s = config.settings as Record<string, unknown>;
  // Native `settings.cache: {...}`, or LiteLLM's `cache: true` with `cache_params`.
  const native = typeof s.cache === 'object' && s.cache !== null ? (s.cache as Record<string, unknown>) : {};
  const params = { ...native, ...((s.cache_params ?? {}) as Record<string, unknown>) };
  const paramsPath = s.cache_params ? (config.origins['settings.cache_params'] ?? 'settings.cache_params') : (config.origins['settings.cache'] ?? 'settings.cache');
  if (s.cache === false && Object.keys(options).length === 0) return null;
  const warnings: string[] = [];
  const ignored = Object.keys(params).filter((k) => IGNORED_LITELLM_KEYS.has(k));
  if (ignored.length) warnings.push(`cache: ${paramsPath} keys ${ignored.join(', ')} have no effect in Tollgate (ignored)`);
  const unknown = Object.keys(params).filter((k) => !IGNORED_LITELLM_KEYS.has(k) && !(k in SETTINGS_PROPERTIES));
  if (unknown.length) warnings.push(`cache: unknown ${paramsPath} keys ${unknown.join(', ')} (ignored)`);
  const o = { ...pick(params), ...options } as CacheOptions;
  const where = Object.keys(options).length ? 'the cache plugin options' : paramsPath;

  const type = o.type ?? 'local';
  if (!(CACHE_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(`${where}.type: unknown cache type "${type}"; use one of ${CACHE_TYPES.join(', ')}`);
  }
  const store = type === 'redis' || type === 'redis-semantic' ? 'redis' : 'memory';
  let semantic: CacheSettings['semantic'] = null;
  if (type.endsWith('-semantic')) {
    if (type === 'qdrant-semantic') warnings.push('cache: type qdrant-semantic runs as the in-memory semantic cache (no Qdrant client here); use redis-semantic to share it across processes');
    const embeddingModel = o.redis_semantic_cache_embedding_model;
    if (!embeddingModel) throw new ConfigError(`${where}.redis_semantic_cache_embedding_model: a semantic cache needs an embeddings model group to embed prompts with`);
    semantic = {
      index: store,
      threshold: o.similarity_threshold ?? DEFAULTS.similarityThreshold,
      embeddingModel,
      maxCandidates: o.semantic_max_candidates ?? DEFAULTS.semanticMaxCandidates,
    };
  }

  const operations = new Set<CachedOperation>();
  for (const t of o.supported_call_types ?? CACHED_OPERATIONS) {
    const op = CALL_TYPES[t];
    if (op) operations.add(op);
    else warnings.push(`cache: supported_call_types "${t}" is not cached by Tollgate (only chat, text completions and embeddings)`);
  }

  let redis: RedisTarget | null = null;
  if (o.url || o.host) {
    redis = o.url ? { url: o.url } : { host: o.host, port: o.port === undefined ? 6379 : Number(o.port) };
    if (o.password) redis.password = o.password;
    if (o.username) redis.username = o.username;
    if (o.db !== undefined) redis.db = o.db;
  }

  return {
    store,
    semantic,
    defaultOn: o.mode !== 'default_off',
    ttlMs: Math.round((o.ttl ?? DEFAULTS.ttlSeconds) * 1000),
    namespace: o.namespace ?? '',
    operations,
    scope: o.scope ?? 'tenant',
    modelGroups: o.model_groups ? new Set(o.model_groups) : null,
    maxBytes: Math.round((o.max_size_mb ?? DEFAULTS.maxSizeMb) * 1024 * 1024),
    compressAboveBytes: o.compress_above_bytes ?? DEFAULTS.compressAboveBytes,
    redisTimeoutMs: o.redis_timeout_ms ?? DEFAULTS.redisTimeoutMs,
    redis,
    warnings,
  };
}

/** The keys of `cache_params` this plugin reads. */
function pick(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in params) if (k in SETTINGS_PROPERTIES && params[k] !== undefined && params[k] !== null) out[k] = params[k];
  return out;
}
