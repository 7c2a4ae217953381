import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { GatewayError, STAGE_LIMITS, type Plugin, type RequestContext, type RerankResponse } from '@tollgate/core';
import { startMockCohere, type MockCohereServer } from '../../testing/src/cohere-mock.js';
import { MOCK_ACCESS_KEY_ID, MOCK_SECRET_ACCESS_KEY, startBedrockMock, type BedrockMockServer } from '../../testing/src/bedrock-mock.js';
import { startServer, type Running } from './helpers.js';

const MASTER = 'sk-master-rerank';
const COHERE_KEY = 'co-rerank-upstream-0123456789';
const DOCS = ['Berlin is the capital of Germany', 'Paris is the capital of France', 'Rome has the Colosseum'];

let cohere: MockCohereServer;
let bedrock: BedrockMockServer;
let tg: Running;
const logLines: string[] = [];
/** What `account` saw per request: the operation, outcome, deployment and the answer's billing. */
const accounted: Array<{ op: string; outcome: string; deployment: string | undefined; searchUnits: number | undefined; caller: string }> = [];

/** Stands in for a limits plugin and a cost plugin: both see rerank like any operation. */
const observer: Plugin = {
  name: 'rerank-observer',
  apply(g) {
    g.hooks.preRoute.tapPromise({ name: 'limits', stage: STAGE_LIMITS, marksChanges: true }, async (_req, ctx) => {
      if (ctx.headers['x-test-limit'] === 'over') return { reject: new GatewayError(429, 'rate_limit_error', 'Key over its rpm limit.', { code: 'rate_limit_exceeded' }) };
      return undefined;
    });
    g.hooks.account.tapPromise('cost', async (ctx: RequestContext) => {
      const meta = (ctx.response as RerankResponse | null)?.meta;
      accounted.push({ op: ctx.operation, outcome: ctx.outcome, deployment: ctx.deployment?.id, searchUnits: meta?.billed_units?.search_units, caller: ctx.caller.kind });
    });
  },
};

beforeAll(async () => {
  cohere = await startMockCohere({ apiKey: COHERE_KEY });
  bedrock = await startBedrockMock();
  const logger = pino({ level: 'info' }, { write: (s: string) => { logLines.push(s); } });
  tg = await startServer({
    model_list: [
      { model_name: 'cohere-rerank', litellm_params: { model: 'cohere/rerank-v3.5', api_base: cohere.url, api_key: COHERE_KEY } },
      { model_name: 'bedrock-rerank', litellm_params: { model: 'bedrock/cohere.rerank-v3-5:0', aws_bedrock_runtime_endpoint: bedrock.url, aws_region_name: 'us-east-1', aws_access_key_id: MOCK_ACCESS_KEY_ID, aws_secret_access_key: MOCK_SECRET_ACCESS_KEY } },
      { model_name: 'mock-rerank', litellm_params: { model: 'mock/rerank' } },
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_key: 'sk-unused', api_base: 'http://127.0.0.1:9' } },
    ],
    general_settings: { master_key: MASTER },
  }, [observer], logger);
});
afterAll(async () => {
  await tg.close();
  await cohere.close();
  await bedrock.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${MASTER}` }): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(`${tg.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

describe('POST /v1/rerank, /rerank and /v2/rerank (Cohere\'s shape, as LiteLLM serves it)', () => {
  it('Cohere, Bedrock and the mock answer on every path, best match first, with top_n', async () => {
    for (const model of ['cohere-rerank', 'bedrock-rerank', 'mock-rerank']) {
      for (const path of ['/v1/rerank', '/rerank', '/v2/rerank']) {
        const r = await post(path, { model, query: 'capital of France', documents: DOCS, top_n: 2 });
        expect(r.status, `${model} ${path}`).toBe(200);
        expect(r.json).toMatchObject({ id: expect.any(String), results: [{ index: 1, relevance_score: expect.any(Number) }, { index: expect.any(Number), relevance_score: expect.any(Number) }] });
        expect(r.json.results).toHaveLength(2);
        expect(r.json.results[0].relevance_score).toBeGreaterThanOrEqual(r.json.results[1].relevance_score);
        expect(r.json.results[0]).not.toHaveProperty('document');
      }
    }
    expect(cohere.requests.at(-1)).toMatchObject({ path: '/v2/rerank', body: { model: 'rerank-v3.5', query: 'capital of France', documents: DOCS, top_n: 2 } });
    expect(String(bedrock.requests.at(-1)?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('return_documents: each result carries the text that was ranked; rank_fields picks fields of object documents', async () => {
    for (const model of ['cohere-rerank', 'bedrock-rerank', 'mock-rerank']) {
      const r = await post('/v1/rerank', { model, query: 'capital of France', documents: DOCS, return_documents: true, top_n: 1 });
      expect(r.json.results, model).toEqual([{ index: 1, relevance_score: expect.any(Number), document: { text: 'Paris is the capital of France' } }]);
    }
    const objects = [{ title: 'Germany', body: 'Berlin is the capital' }, { title: 'France', body: 'Paris is the capital' }];
    const r = await post('/v1/rerank', { model: 'cohere-rerank', query: 'France', documents: objects, rank_fields: ['title'], return_documents: true, top_n: 1 });
    expect(r.json.results).toEqual([{ index: 1, relevance_score: expect.any(Number), document: { text: 'title: France' } }]);
    expect(cohere.requests.at(-1)?.body.documents).toEqual(['title: Germany', 'title: France']);
  });

  it('without a key, a 401 in OpenAI\'s envelope before the body is read; a wrong key too', async () => {
    const none = await post('/v1/rerank', { model: 'cohere-rerank', query: 'q', documents: ['a'] }, {});
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ type: 'authentication_error', message: expect.any(String) });
    const wrong = await post('/rerank', { model: 'cohere-rerank', query: 'q', documents: ['a'] }, { authorization: 'Bearer sk-wrong' });
    expect(wrong.status).toBe(401);
    expect(accounted.some((a) => a.caller === 'anonymous')).toBe(false);
  });

  it('bad requests are 400s naming the param; unknown models 404; a chat-only provider says it does not rerank', async () => {
    expect(await post('/v1/rerank', { model: 'cohere-rerank', documents: ['a'] })).toMatchObject({ status: 400, json: { error: { param: 'query', type: 'invalid_request_error' } } });
    expect(await post('/v1/rerank', { model: 'cohere-rerank', query: 'q', documents: [] })).toMatchObject({ status: 400, json: { error: { param: 'documents' } } });
    expect(await post('/v1/rerank', { model: 'cohere-rerank', query: 'q', documents: ['a'], top_n: 0 })).toMatchObject({ status: 400, json: { error: { param: 'top_n' } } });
    expect(await post('/v1/rerank', { model: 'nope', query: 'q', documents: ['a'] })).toMatchObject({ status: 404, json: { error: { code: 'model_not_found' } } });
    expect(await post('/v1/rerank', { model: 'gpt-4o-mini', query: 'q', documents: ['a'] })).toMatchObject({ status: 400, json: { error: { code: 'unsupported_operation', param: 'model' } } });
    expect(await post('/v1/rerank', { model: 'cohere-rerank', query: 'q', documents: ['a'], max_chunks_per_doc: 2 })).toMatchObject({ status: 400, json: { error: { param: 'max_chunks_per_doc', code: 'unsupported_parameter' } } });
  });

  it('upstream errors keep their kind and retry-after; the upstream key never reaches the client', async () => {
    cohere.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const limited = await post('/v1/rerank', { model: 'cohere-rerank', query: 'q', documents: ['a'] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.json.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    cohere.setNext({ kind: 'echo-key', where: 400 });
    const echoed = await post('/v1/rerank', { model: 'cohere-rerank', query: 'q', documents: ['a'] });
    expect(echoed.status).toBe(400);
    expect(JSON.stringify(echoed.json)).not.toContain(COHERE_KEY);
    bedrock.setNext({ kind: 'error', type: 'ValidationException', message: 'numberOfResults is too large' });
    expect(await post('/v1/rerank', { model: 'bedrock-rerank', query: 'q', documents: ['a'] })).toMatchObject({ status: 400, json: { error: { message: 'Bedrock: numberOfResults is too large' } } });
  });

  it('runs the same pipeline: a limits tap refuses it, account sees each request with its billing, the access log names it', async () => {
    expect(await post('/v1/rerank', { model: 'mock-rerank', query: 'q', documents: ['a'] }, { authorization: `Bearer ${MASTER}`, 'x-test-limit': 'over' })).toMatchObject({ status: 429, json: { error: { code: 'rate_limit_exceeded' } } });
    accounted.length = 0;
    await post('/v1/rerank', { model: 'cohere-rerank', query: 'capital', documents: DOCS });
    await expect.poll(() => accounted.length).toBe(1);
    expect(accounted[0]).toMatchObject({ op: 'rerank', outcome: 'ok', deployment: 'cohere-rerank#0', searchUnits: 1, caller: 'master' });
    const res = await fetch(`${tg.url}/v2/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}`, 'x-request-id': 'rerank-log-1' }, body: JSON.stringify({ model: 'mock-rerank', query: 'q', documents: ['a'] }) });
    expect(res.status).toBe(200);
    await expect.poll(() => logLines.join('')).toMatch(/"requestId":"rerank-log-1"[^\n]*"operation":"rerank"[^\n]*"model":"mock-rerank"[^\n]*"status":200/);
  });
});
