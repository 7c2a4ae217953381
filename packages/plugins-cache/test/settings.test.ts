import { describe, expect, it } from 'vitest';
import { ConfigError, normalizeConfig } from '@tollgate/core';
import { resolveSettings } from '../src/index.js';

const fromLiteLLM = (litellm: Record<string, unknown>) => normalizeConfig({ model_list: [], litellm_settings: litellm }, {}).config;
const native = (settings: Record<string, unknown>) => normalizeConfig({ model_list: [], settings }, {}).config;

describe('settings', () => {
  it('with nothing set: exact, in memory, per tenant, 600 s, chat + completions + embeddings', () => {
    const s = resolveSettings({}, native({}))!;
    expect(s).toMatchObject({ store: 'memory', semantic: null, ttlMs: 600_000, scope: 'tenant', defaultOn: true, modelGroups: null, namespace: '' });
    expect([...s.operations].sort()).toEqual(['chat', 'completions', 'embeddings']);
  });

  it("reads LiteLLM's cache_params, call types by LiteLLM's names", () => {
    const s = resolveSettings({}, fromLiteLLM({ cache: true, cache_params: { type: 'redis', host: 'cache.internal', port: '6380', password: 'pw', ttl: 60, namespace: 'prod', supported_call_types: ['acompletion', 'aembedding'] } }))!;
    expect(s).toMatchObject({ store: 'redis', ttlMs: 60_000, namespace: 'prod', redis: { host: 'cache.internal', port: 6380, password: 'pw' } });
    expect([...s.operations].sort()).toEqual(['chat', 'embeddings']);
  });

  it('maps redis-semantic and qdrant-semantic to the semantic mode', () => {
    const r = resolveSettings({}, fromLiteLLM({ cache: true, cache_params: { type: 'redis-semantic', similarity_threshold: 0.8, redis_semantic_cache_embedding_model: 'emb' } }))!;
    expect(r).toMatchObject({ store: 'redis', semantic: { index: 'redis', threshold: 0.8, embeddingModel: 'emb' } });
    const q = resolveSettings({}, fromLiteLLM({ cache: true, cache_params: { type: 'qdrant-semantic', redis_semantic_cache_embedding_model: 'emb' } }))!;
    expect(q).toMatchObject({ store: 'memory', semantic: { index: 'memory', threshold: 0.9 } });
    expect(q.warnings.join()).toMatch(/qdrant-semantic/);
  });

  it('a semantic type without an embedding model is a config error naming the key', () => {
    expect(() => resolveSettings({}, fromLiteLLM({ cache: true, cache_params: { type: 'redis-semantic' } }))).toThrow(ConfigError);
    expect(() => resolveSettings({}, fromLiteLLM({ cache: true, cache_params: { type: 'redis-semantic' } }))).toThrow(/litellm_settings\.cache_params\.redis_semantic_cache_embedding_model/);
  });

  it('an unknown type is a config error listing the types', () => {
    expect(() => resolveSettings({ type: 'disk' as never }, native({}))).toThrow(/unknown cache type "disk"; use one of local, memory, redis/);
  });

  it('native settings.cache as an object, options winning over the config', () => {
    const s = resolveSettings({ ttl: 5 }, native({ cache: { ttl: 30, scope: 'shared', model_groups: ['a'] } }))!;
    expect(s).toMatchObject({ ttlMs: 5000, scope: 'shared' });
    expect([...s.modelGroups!]).toEqual(['a']);
  });

  it('cache: false turns it off; options in code turn it back on', () => {
    expect(resolveSettings({}, fromLiteLLM({ cache: false }))).toBeNull();
    expect(resolveSettings({ ttl: 1 }, fromLiteLLM({ cache: false }))).not.toBeNull();
  });

  it("names other backends' keys in one warning", () => {
    const s = resolveSettings({}, fromLiteLLM({ cache: true, cache_params: { type: 'local', redis_flush_size: 10, s3_bucket_name: 'b', made_up: 1 } }))!;
    expect(s.warnings).toHaveLength(2);
    expect(s.warnings[0]).toMatch(/redis_flush_size, s3_bucket_name have no effect/);
    expect(s.warnings[1]).toMatch(/unknown .* made_up/);
  });
});
