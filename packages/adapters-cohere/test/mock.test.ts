import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockCohere, type MockCohereServer } from '../../testing/src/cohere-mock.js';
import { postRaw } from '../../testing/src/http.js';
import { parseSse } from '../../testing/src/sse.js';

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer co-test-key' };
const CHAT = { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hello' }] };

let mock: MockCohereServer;
beforeAll(async () => { mock = await startMockCohere(); });
afterAll(async () => { await mock.close(); });

const post = (path: string, body: unknown, headers: Record<string, string> = HEADERS) => postRaw(mock.url + path, body, headers);

async function refused(path: string, body: unknown, status: number, message: string | RegExp) {
  const r = await post(path, body);
  expect(r.status).toBe(status);
  expect(Object.keys(r.json).sort()).toEqual(['id', 'message']);
  if (typeof message === 'string') expect(r.json.message).toBe(message);
  else expect(r.json.message).toMatch(message);
}

describe('strict Cohere mock: auth, routes, envelope', () => {
  it('needs a Bearer key and says which problem it has', async () => {
    expect((await post('/v2/chat', CHAT, { 'content-type': 'application/json' })).json.message).toBe('no api key supplied');
    const wrong = await post('/v2/chat', CHAT, { ...HEADERS, authorization: 'Bearer nope' });
    expect([wrong.status, wrong.json.message]).toEqual([401, 'invalid api token']);
    expect((await post('/v2/chat', CHAT, { ...HEADERS, authorization: 'bearer co-test-key' })).status).toBe(200);
  });

  it('serves POST /v2/chat, /v2/embed, /v2/rerank only', async () => {
    await refused('/v1/chat', CHAT, 404, '404 page not found');
    await refused('/v2/generate', CHAT, 404, '404 page not found');
  });

  it('refuses invalid JSON and unknown fields (422, naming the field)', async () => {
    await refused('/v2/chat', '{"model":', 400, /^invalid json syntax/);
    await refused('/v2/chat', { ...CHAT, top_k: 3 }, 422, "unknown field: parameter 'top_k' is not a valid field. For proper usage, please refer to https://docs.cohere.com/reference/chat");
    await refused('/v2/chat', { ...CHAT, messages: [{ role: 'user', content: 'x', name: 'ann' }] }, 422, /parameter 'messages\.0\.name'/);
    await refused('/v2/rerank', { model: 'rerank-v3.5', query: 'q', documents: ['a'], return_documents: true }, 422, /parameter 'return_documents'/);
  });
});

describe('strict Cohere mock: /v2/chat', () => {
  it('requires model and non-empty messages with known roles', async () => {
    await refused('/v2/chat', { messages: CHAT.messages }, 400, 'a model parameter is required for this endpoint.');
    await refused('/v2/chat', { model: 'm', messages: [] }, 400, 'invalid request: messages must not be empty.');
    await refused('/v2/chat', { model: 'm', messages: [{ role: 'function', content: 'x' }] }, 400, /Invalid role in messages at index 0/);
    await refused('/v2/chat', { model: 'm', messages: [{ role: 'user', content: '' }] }, 400, 'invalid request: message must be at least 1 token long or tool results must be specified.');
  });

  it('tool messages need an id issued by an earlier assistant tool call', async () => {
    await refused('/v2/chat', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 400, 'tool call id must be provided with tool message');
    await refused('/v2/chat', { model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'x' }] }, 400, 'tool call id not found in previous tool calls');
  });

  it('tool names are A-Za-z0-9_ and must not begin with a digit', async () => {
    await refused('/v2/chat', { ...CHAT, tools: [{ type: 'function', function: { name: 'get-weather', parameters: { type: 'object' } } }] }, 400, /tool names can only contain certain characters.*'get-weather'/);
  });

  it('enforces documented ranges and enums', async () => {
    await refused('/v2/chat', { ...CHAT, temperature: 1.5 }, 400, 'invalid request: temperature must be between 0 and 1 inclusive.');
    await refused('/v2/chat', { ...CHAT, p: 1 }, 400, 'invalid request: p must be between 0.01 and 0.99 inclusive.');
    await refused('/v2/chat', { ...CHAT, tool_choice: 'required' }, 400, /tool_choice must be one of 'REQUIRED', 'NONE'/);
    await refused('/v2/chat', { ...CHAT, stop_sequences: ['a', 'b', 'c', 'd', 'e', 'f'] }, 400, /at most 5/);
  });

  it('response_format is refused together with documents (RAG)', async () => {
    await refused('/v2/chat', { ...CHAT, documents: ['d'], response_format: { type: 'json_object' } }, 400, 'invalid request: response_format is not supported with RAG.');
  });

  it('streams SSE events named by type, ending with message-end and [DONE]', async () => {
    const res = await fetch(`${mock.url}/v2/chat`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ ...CHAT, stream: true }) });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text).toMatch(/^event: message-start\ndata: \{/);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = parseSse(text);
    expect(events.map((e) => e.type)).toEqual(['message-start', 'content-start', 'content-delta', 'content-end', 'message-end']);
    expect(events.at(-1).delta).toMatchObject({ finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: expect.any(Number) }, tokens: { output_tokens: expect.any(Number) } } });
  });
});

describe('strict Cohere mock: /v2/embed and /v2/rerank', () => {
  const EMBED = { model: 'embed-v4.0', texts: ['a'], input_type: 'search_document', embedding_types: ['float'] };

  it('embed needs input_type and embedding_types, and one of texts/images/inputs', async () => {
    const { input_type: _i, ...noType } = EMBED;
    await refused('/v2/embed', noType, 400, 'invalid request: valid input_type must be provided with the provided model');
    const { embedding_types: _e, ...noTypes } = EMBED;
    await refused('/v2/embed', noTypes, 400, 'embedding_types parameter is required');
    await refused('/v2/embed', { ...EMBED, images: ['data:image/png;base64,AA=='] }, 400, /exactly one of texts, images or inputs/);
    await refused('/v2/embed', { ...EMBED, texts: ['', 'x'] }, 400, 'invalid request: inputs contains an element that is the empty string at index 0');
    await refused('/v2/embed', { ...EMBED, model: 'embed-english-v3.0', texts: undefined, images: ['data:image/png;base64,AA=='] }, 400, 'invalid request: images must be used with input_type=image');
  });

  it('embed answers by type with meta.billed_units', async () => {
    const r = await post('/v2/embed', { ...EMBED, embedding_types: ['float', 'int8'] });
    expect(r.json).toMatchObject({ response_type: 'embeddings_by_type', texts: ['a'], meta: { api_version: { version: '2' }, billed_units: { input_tokens: 1 } } });
    expect(r.json.embeddings.float[0]).toHaveLength(8);
    expect(r.json.embeddings.int8[0].every((x: number) => Number.isInteger(x))).toBe(true);
  });

  it('rerank takes strings only and answers sorted results with search units', async () => {
    await refused('/v2/rerank', { model: 'rerank-v3.5', query: 'q', documents: [{ text: 'a' }] }, 400, 'invalid request: documents.0 must be a string.');
    await refused('/v2/rerank', { model: 'rerank-v3.5', query: '  ', documents: ['a'] }, 400, 'invalid request: query must not be empty or be only whitespace');
    const r = await post('/v2/rerank', { model: 'rerank-v3.5', query: 'capital of France', documents: ['Berlin is the capital of Germany', 'Paris is the capital of France', 'bread'], top_n: 2 });
    expect(r.json.results.map((x: { index: number }) => x.index)).toEqual([1, 0]);
    expect(r.json.meta.billed_units).toEqual({ search_units: 1 });
  });
});
