export { cachePlugin, cachePlugin as default, tenantOf, storable, NAME, CACHE_HEADER, CACHE_KEY_HEADER, LITELLM_CACHE_KEY_HEADER, type CachePluginOptions } from './plugin.js';
export { resolveSettings, OPTIONS_SCHEMA, CACHE_PARAMS_SCHEMA, CACHE_TYPES, DEFAULTS, type CacheOptions, type CacheSettings, type CacheType } from './settings.js';
export { cacheKey, keyFields, stableJson, type KeyParts } from './key.js';
export { readControls, NO_CONTROLS, type Controls } from './controls.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { RedisStore, type RedisStoreOptions } from './stores/redis.js';
export type { CacheStore, StoredEntry } from './stores/types.js';
