import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOllama, type MockOllamaServer } from '../../testing/src/ollama-mock.js';
import { postRaw } from '../../testing/src/http.js';

const HEADERS = { 'content-type': 'application/json' };
const CHAT = { model: 'llama3.2', messages: [{ role: 'user', content: 'hello' }], stream: false };

let lenient: MockOllamaServer;
let strict: MockOllamaServer;
let cloud: MockOllamaServer;
beforeAll(async () => {
  lenient = await startMockOllama({ models: ['llama3.2', 'all-minilm'] });
  strict = await startMockOllama({ rejectUnknown: true });
  cloud = await startMockOllama({ apiKey: 'cloud-key' });
});
afterAll(async () => {
  await Promise.all([lenient.close(), strict.close(), cloud.close()]);
});

async function refused(mock: MockOllamaServer, path: string, body: unknown, status: number, error: string | RegExp) {
  const r = await postRaw(mock.url + path, body, HEADERS);
  expect(r.status).toBe(status);
  expect(Object.keys(r.json)).toEqual(['error']);
  if (typeof error === 'string') expect(r.json.error).toBe(error);
  else expect(r.json.error).toMatch(error);
}

describe('Ollama mock: what the real server refuses', () => {
  it('unknown routes get gin\'s plain-text 404', async () => {
    const r = await postRaw(`${lenient.url}/v1/chat/completions`, CHAT, HEADERS);
    expect([r.status, r.text, r.headers.get('content-type')]).toEqual([404, '404 page not found', 'text/plain']);
  });

  it('body, model and pulled models', async () => {
    await refused(lenient, '/api/chat', '', 400, 'missing request body');
    await refused(lenient, '/api/chat', { messages: [] }, 400, 'model is required');
    await refused(lenient, '/api/chat', { ...CHAT, model: 'nope' }, 404, "model 'nope' not found");
    await refused(lenient, '/api/embed', { model: 'nope', input: 'x' }, 404, 'model "nope" not found, try pulling it first');
  });

  it('images must be plain base64: a data URL fails on its ":"', async () => {
    await refused(lenient, '/api/chat', { ...CHAT, messages: [{ role: 'user', content: 'x', images: ['data:image/png;base64,AAAA'] }] }, 400, 'illegal base64 data at input byte 4');
  });

  it('tool-call arguments must be an object; content must be a string', async () => {
    await refused(lenient, '/api/chat', { ...CHAT, messages: [{ role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: '{"a":1}' } }] }] }, 400, /cannot unmarshal string into Go value of type map/);
    await refused(lenient, '/api/chat', { ...CHAT, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, 400, /cannot unmarshal array/);
  });

  it('options of the wrong type fail with a 500, as Options.FromMap does; a bad format too', async () => {
    await refused(lenient, '/api/chat', { ...CHAT, options: { num_predict: '10' } }, 500, 'option "num_predict" must be of type integer');
    await refused(lenient, '/api/chat', { ...CHAT, format: 'xml' }, 500, /^invalid format: /);
    await refused(lenient, '/api/chat', { ...CHAT, think: 'very' }, 400, /^invalid think value/);
    await refused(lenient, '/api/chat', { ...CHAT, keep_alive: 'forever' }, 400, 'time: invalid duration "forever"');
  });

  it('ignores a top-level max_tokens, as Ollama does, and honours options.num_predict', async () => {
    const ignored = await postRaw(`${lenient.url}/api/chat`, { ...CHAT, messages: [{ role: 'user', content: 'a long question' }], max_tokens: 1 }, HEADERS);
    expect(ignored.json).toMatchObject({ done_reason: 'stop', message: { content: 'echo: a long question' } });
    const capped = await postRaw(`${lenient.url}/api/chat`, { ...CHAT, messages: [{ role: 'user', content: 'a long question' }], options: { num_predict: 1 } }, HEADERS);
    expect(capped.json).toMatchObject({ done_reason: 'length', message: { content: 'echo' } });
  });

  it('with rejectUnknown, unknown fields and options are 400s (Go\'s wording)', async () => {
    await refused(strict, '/api/chat', { ...CHAT, max_tokens: 5 }, 400, 'json: unknown field "max_tokens"');
    await refused(strict, '/api/chat', { ...CHAT, messages: [{ role: 'user', content: 'x', name: 'ann' }] }, 400, 'json: unknown field "name"');
    await refused(strict, '/api/chat', { ...CHAT, options: { max_tokens: 5 } }, 400, 'invalid option provided: max_tokens');
  });

  it('a key is required only when configured (ollama.com)', async () => {
    await refused(cloud, '/api/chat', CHAT, 401, 'unauthorized');
    expect((await postRaw(`${cloud.url}/api/chat`, CHAT, { ...HEADERS, authorization: 'Bearer cloud-key' })).status).toBe(200);
  });
});

describe('Ollama mock: answers', () => {
  it('streams NDJSON by default, ending with a done line carrying the counts', async () => {
    const { stream: _s, ...noStream } = CHAT;
    const r = await fetch(`${lenient.url}/api/chat`, { method: 'POST', headers: HEADERS, body: JSON.stringify(noStream) });
    expect(r.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.slice(0, -1).every((l) => l.done === false)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: expect.any(Number), eval_count: expect.any(Number) });
    expect(lines.map((l) => l.message.content).join('')).toBe('echo: hello');
  });

  it('/api/embed answers one vector per input; an empty input answers none', async () => {
    const r = await postRaw(`${lenient.url}/api/embed`, { model: 'all-minilm', input: ['a', 'b'] }, HEADERS);
    expect(r.json.embeddings).toHaveLength(2);
    expect(r.json.prompt_eval_count).toBe(2);
    expect((await postRaw(`${lenient.url}/api/embed`, { model: 'all-minilm', input: '' }, HEADERS)).json).toEqual({ model: 'all-minilm', embeddings: [] });
    await refused(lenient, '/api/embed', { model: 'all-minilm', input: [1, 2] }, 400, 'invalid input type');
  });

  it('/api/tags lists the pulled models with their details', async () => {
    const r = await fetch(`${lenient.url}/api/tags`);
    const body = await r.json();
    expect(body.models.map((m: { name: string }) => m.name)).toEqual(['llama3.2:latest', 'all-minilm:latest']);
    expect(body.models[0].details).toMatchObject({ format: 'gguf', quantization_level: 'Q4_K_M' });
  });
});
