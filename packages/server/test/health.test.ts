import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Plugin } from '@tollgate/core';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { startServer, type Running } from './helpers.js';

const MASTER = 'sk-master-health-test';
let storeUp = true;
const store: Plugin = {
  name: 'fake-store',
  apply(g) {
    g.health.addStore({ name: 'postgres', kind: 'database', plugin: 'fake-store', check: () => { if (!storeUp) throw new Error('connect ECONNREFUSED postgres://admin:sk-db-secret-123456@db'); } });
    g.health.setDeploymentState((d) => (d.id === 'cold' ? 'cooling' : 'healthy'));
  },
};

let upstream: MockOpenAIServer;
let tg: Running;
beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: 'sk-upstream-good' });
  tg = await startServer({
    model_list: [
      { model_name: 'gpt-4o-mini', params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: 'sk-upstream-good' }, model_info: { id: 'good' } },
      { model_name: 'gpt-4o-mini', params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: 'sk-upstream-wrong' }, model_info: { id: 'bad' } },
      { model_name: 'embed', params: { model: 'openai/text-embedding-3-small', api_base: `${upstream.url}/v1`, api_key: 'sk-upstream-good' }, model_info: { id: 'emb', mode: 'embedding' } },
      { model_name: 'm', params: { model: 'mock/m' }, model_info: { id: 'cold' } },
      { model_name: 'openai/*', params: { model: 'openai/*', api_base: `${upstream.url}/v1`, api_key: 'sk-upstream-good' } },
    ],
    settings: { master_key: MASTER },
  }, [store]);
});
afterAll(async () => { await tg.close(); await upstream.close(); });

const get = async (path: string, key?: string) => {
  const res = await request(`${tg.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.statusCode, body: (await res.body.json()) as any };
};

describe('GET /health/readiness', () => {
  it('reports each store and each adapter\'s deployments, without a key', async () => {
    storeUp = true;
    const { status, body } = await get('/health/readiness');
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.db).toBe('connected');
    expect(body.stores).toEqual([expect.objectContaining({ name: 'postgres', kind: 'database', plugin: 'fake-store', status: 'connected' })]);
    expect(body.adapters).toEqual(expect.arrayContaining([{ provider: 'openai', deployments: 3, cooling: 0 }, { provider: 'mock', deployments: 1, cooling: 1 }]));
  });

  it('answers 503 naming the store that is down, its error scrubbed of credentials', async () => {
    storeUp = false;
    const { status, body } = await get('/v1/health/readiness');
    storeUp = true;
    expect(status).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(body.db).toBe('disconnected');
    expect(body.stores[0].status).toBe('unreachable');
    expect(body.stores[0].error).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(body)).not.toContain('sk-db-secret-123456');
  });
});

describe('GET /health', () => {
  it('needs the master key', async () => {
    expect((await get('/health')).status).toBe(401);
  });

  it('probes every deployment once, on demand, in LiteLLM\'s shape', async () => {
    const before = upstream.requests.length;
    const { status, body } = await get('/health', MASTER);
    expect(status).toBe(200);
    const byId = (list: any[]) => Object.fromEntries(list.map((e) => [e.model_id, e]));
    expect(Object.keys(byId(body.healthy_endpoints)).sort()).toEqual(['cold', 'emb', 'good']);
    expect(Object.keys(byId(body.unhealthy_endpoints))).toEqual(['bad']);
    expect(body.healthy_count).toBe(3);
    expect(body.unhealthy_count).toBe(1);
    expect(byId(body.healthy_endpoints).good).toEqual({ model: 'openai/gpt-4o-mini', model_name: 'gpt-4o-mini', model_id: 'good', api_base: `${upstream.url}/v1` });
    expect(byId(body.unhealthy_endpoints).bad.error).toMatch(/Incorrect API key/);
    expect(JSON.stringify(body)).not.toContain('sk-upstream-wrong');
    // One request per probed deployment (the failing one is not retried elsewhere); the wildcard group is left out.
    const probes = upstream.requests.slice(before);
    expect(probes).toHaveLength(3);
    expect(probes.filter((r) => r.path === '/v1/embeddings')).toHaveLength(1);
    const chat = probes.find((r) => r.path === '/v1/chat/completions')!;
    expect(chat.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1 });
  });

  it('probes one group or one deployment when asked', async () => {
    const one = await get('/health?model_id=good', MASTER);
    expect(one.body).toMatchObject({ healthy_count: 1, unhealthy_count: 0 });
    const group = await get('/health?model=gpt-4o-mini', MASTER);
    expect(group.body).toMatchObject({ healthy_count: 1, unhealthy_count: 1 });
  });
});
