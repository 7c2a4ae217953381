/**
 * Anthropic client -> Anthropic upstream with pass-through turned off (a plugin taps transformRequest,
 * transformChunk and transformResponse): every request and answer goes Anthropic -> canonical ->
 * Anthropic. Thinking signatures, tool ids and cache markers must survive that round trip.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@tollgate/core';
import anthropicPlugin from '../../adapters-anthropic/src/index.js';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';
import { createTollgateServer, type TollgateServer } from '../src/index.js';

let up: MockAnthropicServer;
let server: TollgateServer;
let client: Anthropic;
const passThrough: boolean[] = [];

const WEATHER: Anthropic.Tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
const last = () => up.requests[up.requests.length - 1];

beforeAll(async () => {
  up = await startMockAnthropic();
  const gateway = new Gateway({
    config: { model_list: [{ model_name: 'claude', params: { model: 'anthropic/claude-sonnet-4-5', api_base: up.url, api_key: 'test-key' } }], settings: { log_level: 'silent' } },
  });
  await gateway.use(anthropicPlugin);
  await gateway.use({
    name: 'identity-taps',
    apply(g) {
      g.hooks.transformRequest.tap('identity', (r, ctx) => { passThrough.push(ctx.sendInboundBody); return r; });
      g.hooks.transformChunk.tap('identity', (c) => c);
      g.hooks.transformResponse.tap('identity', (r) => r);
    },
  });
  await gateway.start();
  server = createTollgateServer(gateway, { requestLog: false });
  const { port } = await server.listen(0);
  client = new Anthropic({ apiKey: 'any', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close(1000);
  await up.close();
});

describe('Anthropic in, Anthropic out, translated both ways', () => {
  it('thinking + tools over several turns, non-stream', async () => {
    const params = {
      model: 'claude',
      max_tokens: 3000,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      system: [{ type: 'text' as const, text: 'Manual. '.repeat(50), cache_control: { type: 'ephemeral' as const } }],
      tools: [WEATHER],
      messages: [{ role: 'user' as const, content: 'Oslo? call tool' }],
    };
    const first = await client.messages.create(params);
    expect(passThrough.at(-1)).toBe(false);
    expect(first.id).toMatch(/^msg_mock/);
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    // The translated upstream body keeps what matters.
    expect(last().body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1024 }, system: params.system });
    const use = first.content[2] as Anthropic.ToolUseBlock;
    const second = await client.messages.create({
      ...params,
      messages: [...params.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'snow' }] }],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'tool said: snow' }]);
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(last().body.messages[1].content[0]).toEqual(first.content[0]);
  });

  it('thinking + tools over several turns, streamed through the event encoder', async () => {
    const params = { model: 'claude', max_tokens: 3000, thinking: { type: 'enabled' as const, budget_tokens: 2000 }, tools: [WEATHER], messages: [{ role: 'user' as const, content: 'Rome? call tool' }] };
    const stream = client.messages.stream(params);
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const first = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const [thinking, text, use] = first.content as [Anthropic.ThinkingBlock, Anthropic.TextBlock, Anthropic.ToolUseBlock];
    expect(thinking.type).toBe('thinking');
    expect(up.issued.has(thinking.signature)).toBe(true);
    expect(text.text).toBe("I'll call get_weather.");
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Rome? call tool' } });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.usage.output_tokens).toBeGreaterThan(0);
    expect(first.usage.input_tokens).toBeGreaterThan(0);
    const second = await client.messages
      .stream({ ...params, messages: [...params.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'warm' }] }] })
      .finalMessage();
    expect(second.content).toEqual([{ type: 'text', text: 'tool said: warm' }]);
    expect(second.stop_reason).toBe('end_turn');
  });

  it('stop reasons and an upstream error keep their Anthropic meaning', async () => {
    const capped = await client.messages.create({ model: 'claude', max_tokens: 1, messages: [{ role: 'user', content: 'a long question' }] });
    expect(capped.stop_reason).toBe('max_tokens');
    up.setNext({ kind: 'stream-error', afterChunks: 3, errorType: 'api_error', message: 'Internal server error' });
    const err = await client.messages.stream({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'api_error', message: 'anthropic: Internal server error' } });
  });
});
