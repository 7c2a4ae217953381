import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';
import { postRaw } from '../../testing/src/http.js';

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'test-key', 'anthropic-version': '2023-06-01' };
const BASE = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] };
const TOOL = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

let mock: MockAnthropicServer;
beforeAll(async () => { mock = await startMockAnthropic(); });
afterAll(async () => { await mock.close(); });

const post = (body: unknown, headers: Record<string, string> = HEADERS, path = '/v1/messages') => postRaw(mock.url + path, body, headers);

async function expect400(body: Record<string, unknown>, message: string | RegExp) {
  const r = await post(body);
  expect(r.status).toBe(400);
  expect(r.json.type).toBe('error');
  expect(r.json.error.type).toBe('invalid_request_error');
  if (typeof message === 'string') expect(r.json.error.message).toBe(message);
  else expect(r.json.error.message).toMatch(message);
}

describe('strict Anthropic mock: headers and shape', () => {
  it('requires x-api-key and anthropic-version', async () => {
    const { 'x-api-key': _k, ...noKey } = HEADERS;
    expect((await post(BASE, noKey)).json.error).toEqual({ type: 'authentication_error', message: 'x-api-key header is required' });
    expect((await post(BASE, { ...HEADERS, 'x-api-key': 'nope' })).status).toBe(401);
    const { 'anthropic-version': _v, ...noVersion } = HEADERS;
    const r = await post(BASE, noVersion);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe('anthropic-version: header is required');
  });

  it('serves POST /v1/messages only', async () => {
    expect((await post(BASE, HEADERS, '/v1/chat/completions')).json.error.type).toBe('not_found_error');
  });

  it('requires model, max_tokens and non-empty messages; refuses unknown fields', async () => {
    await expect400({ ...BASE, max_tokens: undefined }, 'max_tokens: Field required');
    await expect400({ ...BASE, max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1');
    await expect400({ ...BASE, messages: [] }, 'messages: at least one message is required');
    await expect400({ ...BASE, logit_bias: {} }, 'logit_bias: Extra inputs are not permitted');
    await expect400({ ...BASE, messages: [{ role: 'system', content: 'x' }] }, /Unexpected role "system"/);
    await expect400({ ...BASE, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, /non-empty/);
  });

  it('merges consecutive same-role turns like the API does', async () => {
    const r = await post({ ...BASE, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] });
    expect(r.status).toBe(200);
    expect(r.json.content).toEqual([{ type: 'text', text: 'echo: a\nb' }]);
  });

  it('checks tool_result ids against the previous assistant turn, and needs tools defined', async () => {
    const history = [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
    ];
    await expect400({ ...BASE, tools: [TOOL], messages: [...history, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }, { type: 'tool_result', tool_use_id: 'toolu_2', content: 'r' }] }] }, /content\.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2/);
    await expect400({ ...BASE, tools: [TOOL], messages: [...history, { role: 'user', content: 'no result' }] }, /without `tool_result` blocks immediately after: toolu_1/);
    await expect400({ ...BASE, messages: [...history, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] }] }, /must define tools/);
  });

  it('enforces thinking limits', async () => {
    await expect400({ ...BASE, thinking: { type: 'enabled', budget_tokens: 500 } }, /greater than or equal to 1024/);
    await expect400({ ...BASE, thinking: { type: 'enabled', budget_tokens: 1024 } }, /`max_tokens` must be greater than `thinking.budget_tokens`/);
    const ok = { ...BASE, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 } };
    await expect400({ ...ok, temperature: 0.5 }, /`temperature` may only be set to 1/);
    await expect400({ ...ok, tools: [TOOL], tool_choice: { type: 'any' } }, 'Thinking may not be enabled when tool_choice forces tool use.');
  });

  it('refuses thinking blocks it did not sign, and a tool turn that lost its thinking block', async () => {
    const ok = { ...BASE, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [TOOL] };
    const first = await post({ ...ok, messages: [{ role: 'user', content: 'please call tool' }] });
    expect(first.status).toBe(200);
    const [thinking, , use] = first.json.content;
    expect(thinking.type).toBe('thinking');
    expect(use.type).toBe('tool_use');
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] };
    const forged = { ...thinking, signature: 'forged' };
    await expect400({ ...ok, messages: [{ role: 'user', content: 'please call tool' }, { role: 'assistant', content: [forged, use] }, result] }, /Invalid `signature`/);
    await expect400({ ...ok, messages: [{ role: 'user', content: 'please call tool' }, { role: 'assistant', content: [use] }, result] }, /Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
    const good = await post({ ...ok, messages: [{ role: 'user', content: 'please call tool' }, { role: 'assistant', content: first.json.content }, result] });
    expect(good.status).toBe(200);
    expect(good.json.content).toEqual([{ type: 'text', text: 'tool said: sunny' }]);
  });

  it('counts cache writes, then reads, for a prefix marked with cache_control', async () => {
    const body = { ...BASE, system: [{ type: 'text', text: 'A long system prompt. '.repeat(50), cache_control: { type: 'ephemeral' } }] };
    const a = await post(body);
    const b = await post(body);
    expect(a.json.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(a.json.usage.cache_read_input_tokens).toBe(0);
    expect(b.json.usage.cache_read_input_tokens).toBe(a.json.usage.cache_creation_input_tokens);
    expect(b.json.usage.cache_creation_input_tokens).toBe(0);
  });

  it('streams the documented event sequence', async () => {
    const r = await post({ ...BASE, stream: true, tools: [TOOL], messages: [{ role: 'user', content: 'call tool please' }] });
    const events = r.text.trim().split('\n\n').map((b) => b.split('\n')[0].slice('event: '.length));
    expect(events[0]).toBe('message_start');
    expect(events[1]).toBe('content_block_start');
    expect(events[2]).toBe('ping');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(r.text).toContain('"input_json_delta"');
  });

  it('answers count_tokens', async () => {
    const { max_tokens: _m, ...rest } = BASE;
    const r = await post(rest, HEADERS, '/v1/messages/count_tokens');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ input_tokens: 2 });
  });

  it('injects status faults with Anthropic envelopes', async () => {
    mock.setNext({ kind: 'status', status: 529 });
    const r = await post(BASE);
    expect(r.status).toBe(529);
    expect(r.json.error.type).toBe('overloaded_error');
  });
});
