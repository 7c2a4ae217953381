import { describe, expect, it } from 'vitest';
import { makeCaller } from '@tollgate/core';
import { cacheKey, keyFields, readControls, stableJson, storable, tenantOf } from '../src/index.js';

const key = (request: Record<string, unknown>, over: Partial<Parameters<typeof cacheKey>[0]> = {}) =>
  cacheKey({ operation: 'chat', group: 'g', scope: 'k:1', namespace: '', request, ...over });
const base = { model: 'g', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.5 };

describe('the key', () => {
  it('is the same whatever the key order, user, stream, stream_options, metadata or null fields', () => {
    const k = key(base);
    expect(key({ temperature: 0.5, messages: [{ content: 'Hi', role: 'user' }], model: 'g' })).toBe(k);
    expect(key({ ...base, user: 'u', stream: true, stream_options: { include_usage: true }, metadata: { x: 1 }, top_p: null, cache: { ttl: 1 } })).toBe(k);
    expect(key({ ...base, max_tokens: 10 })).toBe(key({ ...base, max_completion_tokens: 10 }));
  });

  it('changes with every answer-changing field, the group, the tenant, the namespace and the operation', () => {
    const k = key(base);
    const others = [
      key({ ...base, temperature: 0.6 }), key({ ...base, tools: [{ type: 'function', function: { name: 'f' } }] }), key({ ...base, tool_choice: 'none' }),
      key({ ...base, response_format: { type: 'json_object' } }), key({ ...base, seed: 1 }), key({ ...base, stop: ['x'] }), key({ ...base, n: 2 }),
      key({ ...base, reasoning_effort: 'low' }), key({ ...base, logit_bias: { 1: 1 } }), key({ ...base, presence_penalty: 1 }), key({ ...base, some_new_field: 1 }),
      key(base, { group: 'h' }), key(base, { scope: 'k:2' }), key(base, { namespace: 'n' }), key(base, { operation: 'completions' }),
    ];
    expect(new Set([k, ...others]).size).toBe(others.length + 1);
  });

  it('stableJson sorts keys at every depth and drops undefined and null fields', () => {
    expect(stableJson({ b: 1, a: { d: [1, { z: 1, y: null }], c: undefined } })).toBe('{"a":{"d":[1,{"z":1}]},"b":1}');
    expect(keyFields({ model: 'x', user: 'u', litellm_trace: 1, max_tokens: 3 })).toEqual({ max_completion_tokens: 3 });
  });
});

describe('controls', () => {
  it("reads LiteLLM's body names and Cache-Control", () => {
    expect(readControls({ 'no-cache': true, 'no-store': true, ttl: 60, 's-maxage': 5, namespace: 'x' }, undefined)).toEqual({ noCache: true, noStore: true, ttlMs: 60_000, maxAgeMs: 5000, namespace: 'x', useCache: null });
    expect(readControls(undefined, 'No-Cache, no-store, max-age=30')).toMatchObject({ noCache: true, noStore: true, maxAgeMs: 30_000 });
    expect(readControls({ 's-maxage': 10 }, 'max-age=3').maxAgeMs).toBe(3000);
    expect(() => readControls({ 'no-cahce': true }, undefined)).toThrow(/Unknown cache control "no-cahce"/);
    expect(() => readControls('yes', undefined)).toThrow(/cache must be an object/);
  });
});

describe('tenants and storability', () => {
  it('the tenant is the key, else the team, else the kind of caller', () => {
    expect(tenantOf(makeCaller({ kind: 'key', keyId: 'h1', teamId: 't1' }))).toBe('k:h1');
    expect(tenantOf(makeCaller({ kind: 'key', teamId: 't1' }))).toBe('t:t1');
    expect(tenantOf(makeCaller({ kind: 'anonymous' }))).toBe('c:anonymous');
  });

  it('stores complete answers only', () => {
    expect(storable({ choices: [{ finish_reason: 'stop' }] })).toBe(true);
    expect(storable({ data: [{ embedding: [1] }] })).toBe(true);
    expect(storable({ choices: [{ finish_reason: 'stop' }, { finish_reason: 'content_filter' }] })).toBe(false);
    expect(storable({ choices: [{ finish_reason: null }] })).toBe(false);
    expect(storable({ choices: [] })).toBe(false);
    expect(storable({ error: { message: 'x' } })).toBe(false);
  });
});
