import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, readSse, startMockOpenAI, type MockOpenAIServer } from '../src/index.js';
import { expectError } from './helpers.js';

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-test' };
const INSTRUCT = 'gpt-3.5-turbo-instruct';

let server: MockOpenAIServer;
beforeAll(async () => { server = await startMockOpenAI(); });
afterAll(() => server.close());

const completions = (body: Record<string, unknown>) => postRaw(`${server.url}/v1/completions`, { model: INSTRUCT, prompt: 'Say this is a test', ...body }, HEADERS);
const moderations = (body: Record<string, unknown>) => postRaw(`${server.url}/v1/moderations`, body, HEADERS);

describe('POST /v1/completions: rejections', () => {
  it('model and prompt are required; a chat model is a 404 pointing to chat completions', async () => {
    expectError(await postRaw(`${server.url}/v1/completions`, { prompt: 'x' }, HEADERS), 400, { message: 'you must provide a model parameter' });
    expectError(await postRaw(`${server.url}/v1/completions`, { model: INSTRUCT }, HEADERS), 400, { message: "Missing required parameter: 'prompt'.", param: 'prompt', code: 'missing_required_parameter' });
    expectError(await completions({ model: 'gpt-4o-mini' }), 404, { message: /^This is a chat model and not supported in the v1\/completions endpoint/, param: 'model', code: null });
    expectError(await completions({ model: 'no-such-model' }), 404, { code: 'model_not_found' });
    expect((await completions({ model: 'ft:davinci-002:acme::abc123' })).status).toBe(200);
  });

  it('unknown params, chat-only params, bad types and ranges', async () => {
    expectError(await completions({ messages: [] }), 400, { message: 'Unrecognized request argument supplied: messages' });
    expectError(await completions({ prompt: { text: 'x' } }), 400, { message: /^'\$\.prompt' is invalid/ });
    expectError(await completions({ prompt: [] }), 400, { message: /^'\$\.prompt' is invalid/ });
    expectError(await completions({ max_tokens: -1 }), 400, { param: 'max_tokens', code: 'integer_below_min_value' });
    expectError(await completions({ logprobs: 6 }), 400, { param: 'logprobs', code: 'integer_above_max_value' });
    expectError(await completions({ best_of: 21 }), 400, { param: 'best_of' });
    expectError(await completions({ temperature: 3 }), 400, { param: 'temperature', code: 'decimal_above_max_value' });
    expectError(await completions({ echo: 'yes' }), 400, { param: 'echo', code: 'invalid_type' });
    expectError(await completions({ stop: ['a', 'b', 'c', 'd', 'e'] }), 400, { param: 'stop', code: 'array_above_max_length' });
    expectError(await completions({ stream_options: { include_usage: true } }), 400, { param: 'stream_options' });
  });
});

describe('POST /v1/completions: replies', () => {
  it('a text_completion with one choice per prompt and n, usage, and max_tokens defaulting to 16', async () => {
    const r = await completions({ prompt: ['one', 'two'], n: 2, max_tokens: 50 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: expect.stringMatching(/^cmpl-/), object: 'text_completion', model: INSTRUCT, usage: { prompt_tokens: 2, completion_tokens: 12, total_tokens: 14 } });
    expect(r.json.choices.map((c: { index: number; text: string }) => [c.index, c.text])).toEqual([[0, 'echo: one'], [1, 'echo: one'], [2, 'echo: two'], [3, 'echo: two']]);
    expect(r.json.choices[0]).toEqual({ text: 'echo: one', index: 0, logprobs: null, finish_reason: 'stop' });
    const long = await completions({ prompt: 'word '.repeat(40) });
    expect(long.json.choices[0]).toMatchObject({ finish_reason: 'length' });
    expect(long.json.choices[0].text).toHaveLength(16 * 4);
    const echo = await completions({ prompt: 'Hi', echo: true, stop: ':', logprobs: 1 });
    expect(echo.json.choices[0]).toMatchObject({ text: 'Hiecho', logprobs: { tokens: ['Hiecho'], token_logprobs: [0], text_offset: [0] } });
  });

  it('streams text_completion events, a finish per choice, and the usage event only when asked', async () => {
    const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ model: INSTRUCT, prompt: 'count one two three four', stream: true, stream_options: { include_usage: true } }) });
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const chunks = await readSse(text);
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
    expect(chunks.slice(0, -1).map((c) => c.choices[0].text).join('')).toBe('echo: count one two three four');
    expect(chunks.at(-2).choices[0]).toEqual({ text: '', index: 0, logprobs: null, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 6, completion_tokens: 8 } });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const plain = await readSse(await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ model: INSTRUCT, prompt: 'x', stream: true }) }));
    expect(plain.every((c) => !('usage' in c) && c.choices.length === 1)).toBe(true);
  });

  it('Azure serves completions under its deployment path', async () => {
    const azure = await startMockOpenAI({ flavor: 'azure', apiKey: 'az-key' });
    try {
      const client = new AzureOpenAI({ endpoint: azure.url, apiKey: 'az-key', apiVersion: '2024-10-21', deployment: 'instruct' });
      const r = await client.completions.create({ model: 'instruct', prompt: 'azure says' });
      expect(r.choices[0].text).toBe('echo: azure says');
      expect(azure.requests.at(-1)?.path).toBe('/openai/deployments/instruct/completions');
    } finally {
      await azure.close();
    }
  });
});

describe('POST /v1/moderations', () => {
  it('input is required and typed; text-moderation models are refused; other models do not exist', async () => {
    expectError(await moderations({}), 400, { param: 'input', code: 'missing_required_parameter' });
    expectError(await moderations({ input: 5 }), 400, { param: 'input', code: 'invalid_type' });
    expectError(await moderations({ input: [] }), 400, { param: 'input', code: 'empty_array' });
    expectError(await moderations({ input: [{ type: 'audio' }] }), 400, { param: 'input[0].type', code: 'invalid_value' });
    expectError(await moderations({ input: [{ type: 'image_url', image_url: {} }] }), 400, { param: 'input[0].image_url.url' });
    expectError(await moderations({ input: 'x', stream: true }), 400, { message: 'Unrecognized request argument supplied: stream' });
    expectError(await moderations({ input: 'x', model: 'text-moderation-latest' }), 400, { message: 'please request omni-moderation-latest', param: 'model' });
    expectError(await moderations({ input: 'x', model: 'gpt-4o-mini' }), 404, { code: 'model_not_found' });
  });

  it('one result per string (omni categories, scores, applied input types), one for a list of parts', async () => {
    const r = await moderations({ input: ['a nice day', 'I will kill the process'] });
    expect(r.json).toMatchObject({ id: expect.stringMatching(/^modr-/), model: 'omni-moderation-latest' });
    expect(r.json.results.map((x: { flagged: boolean }) => x.flagged)).toEqual([false, true]);
    expect(r.json.results[1].categories).toMatchObject({ violence: true, hate: false, illicit: false });
    expect(Object.keys(r.json.results[0].category_scores)).toHaveLength(13);
    const parts = await moderations({ model: 'omni-moderation-2024-09-26', input: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] });
    expect(parts.json.results).toHaveLength(1);
    expect(parts.json.results[0].category_applied_input_types).toMatchObject({ violence: ['text', 'image'], hate: ['text'] });
  });

  it('works with the openai SDK', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test' });
    const m = await client.moderations.create({ input: 'you loser' });
    expect(m.results[0]).toMatchObject({ flagged: true, categories: { harassment: true } });
    const c = await client.completions.create({ model: INSTRUCT, prompt: 'sdk' });
    expect(c.choices[0].text).toBe('echo: sdk');
  });
});
