import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, type RerankRequest } from '@tollgate/core';
import coherePlugin, { buildCohereRerankRequest, rerankDocumentText } from '../src/index.js';
import { startMockCohere, type MockCohereServer } from '../../testing/src/cohere-mock.js';

const KEY = 'co-rerank-key-0123456789';
let mock: MockCohereServer;
let gateway: Gateway;

beforeAll(async () => {
  mock = await startMockCohere({ apiKey: KEY });
  const params = { model: 'cohere/rerank-v3.5', api_base: mock.url, api_key: KEY };
  gateway = new Gateway({
    config: {
      model_list: [
        { model_name: 'rerank', params },
        { model_name: 'rerank-drop', params: { ...params, drop_params: true } },
        { model_name: 'rerank-priority', params: { ...params, allowed_client_params: ['priority', 'truncation'] } },
      ],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(coherePlugin);
  await gateway.start();
});
afterAll(async () => {
  await gateway.close(1000);
  await mock.close();
});

const deployment = (name = 'rerank') => gateway.group(name)!.deployments[0];

/** Rerank through the gateway's registered operation; `sent` is what reached the mock. */
async function rerank(req: RerankRequest) {
  const response = await gateway.rerank(req);
  return { sent: mock.requests[mock.requests.length - 1].body, response };
}

describe('rerank through /v2/rerank (strict mock)', () => {
  it('sends the deployment model, query, string documents and top_n; parses ordered results and meta', async () => {
    const { sent, response } = await rerank({ model: 'rerank', query: 'capital of France', documents: ['Berlin', 'Paris is the capital of France', 'Rome'], top_n: 2 });
    expect(sent).toEqual({ model: 'rerank-v3.5', query: 'capital of France', documents: ['Berlin', 'Paris is the capital of France', 'Rome'], top_n: 2 });
    expect(response.results.map((r) => r.index)).toEqual([1, 0]);
    expect(response.results[0].relevance_score).toBeGreaterThan(response.results[1].relevance_score);
    expect(response.results[0]).not.toHaveProperty('document');
    expect(response.meta).toEqual({ api_version: { version: '2' }, billed_units: { search_units: 1 } });
    expect(response.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('object documents become YAML-style text of rank_fields; return_documents is answered locally', async () => {
    const docs = [{ title: 'Cats', body: 'cats purr', year: 2020 }, { title: 'Dogs', body: 'dogs bark', year: 2021 }];
    const { sent, response } = await rerank({ model: 'rerank', query: 'dogs bark', documents: docs, rank_fields: ['title', 'body'], return_documents: true, max_tokens_per_doc: 512 });
    expect(sent.documents).toEqual(['title: Cats\nbody: cats purr', 'title: Dogs\nbody: dogs bark']);
    expect(sent).not.toHaveProperty('rank_fields');
    expect(sent).not.toHaveProperty('return_documents');
    expect(sent.max_tokens_per_doc).toBe(512);
    expect(response.results[0]).toEqual({ index: 1, relevance_score: expect.any(Number), document: { text: 'title: Dogs\nbody: dogs bark' } });
  });

  it("max_chunks_per_doc (v1 only) is refused, or dropped with drop_params", async () => {
    expect(() => buildCohereRerankRequest({ model: 'rerank', query: 'q', documents: ['a'], max_chunks_per_doc: 3 }, deployment())).toThrow(expect.objectContaining({ status: 400, param: 'max_chunks_per_doc' }));
    const { sent } = await rerank({ model: 'rerank-drop', query: 'q', documents: ['a'], max_chunks_per_doc: 3 });
    expect(sent).not.toHaveProperty('max_chunks_per_doc');
  });

  it('client extras reach Cohere only when the deployment allows them; Cohere\'s 422 comes back as a 400', async () => {
    const ignored = await rerank({ model: 'rerank', query: 'q', documents: ['a'], priority: 5, api_key: 'sk-other' });
    expect(ignored.sent).toEqual({ model: 'rerank-v3.5', query: 'q', documents: ['a'] });
    const { sent } = await rerank({ model: 'rerank-priority', query: 'q', documents: ['a'], priority: 5 });
    expect(sent.priority).toBe(5);
    const err = await rerank({ model: 'rerank-priority', query: 'q', documents: ['a'], truncation: 'END' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, kind: 'bad_request', upstreamStatus: 422 });
  });
});

describe('rerank document text', () => {
  it('strings as is; without rank_fields an object\'s text (v1\'s default field), else key: value lines', () => {
    expect(rerankDocumentText('plain')).toBe('plain');
    expect(rerankDocumentText({ text: 'the text', title: 'T' })).toBe('the text');
    expect(rerankDocumentText({ text: 'the text', title: 'T' }, ['title', 'text'])).toBe('title: T\ntext: the text');
    expect(rerankDocumentText({ a: 'x', n: 2, tags: ['t'] })).toBe('a: x\nn: 2\ntags: ["t"]');
  });
});
