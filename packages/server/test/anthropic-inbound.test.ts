import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@tollgate/core';
import openaiPlugin from '@tollgate/adapter-openai';
import anthropicPlugin from '../../adapters-anthropic/src/index.js';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';
import { startMockOpenAI, type MockOpenAIServer } from '../../testing/src/openai-mock.js';
import { createTollgateServer, type TollgateServer } from '../src/index.js';

const MASTER = 'sk-master-key';
let anthropicUp: MockAnthropicServer;
let openaiUp: MockOpenAIServer;
let server: TollgateServer;
let base: string;
let client: Anthropic;

const WEATHER: Anthropic.Tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const lastUp = <T extends { requests: Array<{ body: any; headers: Record<string, unknown> }> }>(m: T) => m.requests[m.requests.length - 1];

beforeAll(async () => {
  anthropicUp = await startMockAnthropic();
  openaiUp = await startMockOpenAI();
  const gateway = new Gateway({
    config: {
      model_list: [
        { model_name: 'claude', params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUp.url, api_key: 'test-key', forward_client_headers: ['anthropic-beta'] } },
        { model_name: 'claude-strict', params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUp.url, api_key: 'test-key' } },
        { model_name: 'gpt', params: { model: 'openai/gpt-4o-mini', api_base: `${openaiUp.url}/v1`, api_key: 'sk-test' } },
      ],
      settings: { log_level: 'silent', master_key: MASTER },
    },
  });
  await gateway.use(openaiPlugin);
  await gateway.use(anthropicPlugin);
  await gateway.start();
  server = createTollgateServer(gateway, { requestLog: false });
  const { port } = await server.listen(0);
  base = `http://127.0.0.1:${port}`;
  client = new Anthropic({ apiKey: MASTER, baseURL: base, maxRetries: 0 });
});
afterAll(async () => {
  await server.close(1000);
  await anthropicUp.close();
  await openaiUp.close();
});

describe('Anthropic SDK -> Tollgate /v1/messages -> OpenAI-format upstream', () => {
  it('non-stream: a translated request and an Anthropic Message back', async () => {
    // temperature is still accepted by the API, but this SDK version's types no longer list it.
    const params = { model: 'gpt', max_tokens: 200, system: 'Be brief.', stop_sequences: ['STOP'], temperature: 0.4, messages: [{ role: 'user', content: 'hello' }] };
    const msg = await client.messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'gpt-4o-mini', stop_reason: 'end_turn', content: [{ type: 'text', text: 'echo: hello' }] });
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
    const up = lastUp(openaiUp).body;
    expect(up.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }]);
    expect(up).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 200, stop: ['STOP'], temperature: 0.4 });
  });

  it('stream: the SDK sees Anthropic\'s event order and finalMessage() is complete', async () => {
    const stream = client.messages.stream({ model: 'gpt', max_tokens: 200, messages: [{ role: 'user', content: 'stream this please' }] });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const msg = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('content_block_start');
    expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(1);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(msg.content).toEqual([{ type: 'text', text: 'echo: stream this please' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });

  it('tools over several turns, streamed and not', async () => {
    const first = await client.messages.create({ model: 'gpt', max_tokens: 200, tools: [WEATHER], messages: [{ role: 'user', content: 'Oslo? call tool' }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'get_weather', input: { echo: 'Oslo? call tool' } });
    const second = await client.messages.create({
      model: 'gpt',
      max_tokens: 200,
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Oslo? call tool' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'snowing' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'tool said: snowing' }]);
    expect(lastUp(openaiUp).body.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: use.id, type: 'function', function: { name: 'get_weather', arguments: '{"echo":"Oslo? call tool"}' } }] },
      { role: 'tool', tool_call_id: use.id, content: 'snowing' },
    ]);
    const streamed = await client.messages.stream({ model: 'gpt', max_tokens: 200, tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Bern' }] }).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content).toEqual([{ type: 'tool_use', id: expect.any(String), name: 'get_weather', input: { echo: 'Bern' } }]);
  });

  it('count_tokens gives an estimate', async () => {
    const r = await client.messages.countTokens({ model: 'gpt', system: 'abcd', messages: [{ role: 'user', content: 'hello world!' }] });
    expect(r).toEqual({ input_tokens: 4 });
  });

  it('invalid requests get Anthropic\'s envelope and the SDK\'s typed errors', async () => {
    const noMax = await client.messages.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect((noMax as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const sysRole = await client.messages.create({ model: 'gpt', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(sysRole).toBeInstanceOf(Anthropic.BadRequestError);
    const unknown = await client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ error: { type: 'not_found_error' } });
    const badKey = await new Anthropic({ apiKey: 'wrong', baseURL: base, maxRetries: 0 }).messages.create({ model: 'gpt', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(Anthropic.AuthenticationError);
    const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER, 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Request body is not valid JSON.' } });
  });

  it('an OpenAI-only upstream refuses Anthropic thinking with a clear 400', async () => {
    const err = await client.messages.create({ model: 'gpt', max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain("'thinking'");
  });
});

describe('Anthropic SDK -> Tollgate /v1/messages -> Anthropic upstream (pass-through)', () => {
  const cachedSystem: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a weather bot. '.repeat(40), cache_control: { type: 'ephemeral' } }];
  const thinking = { type: 'enabled' as const, budget_tokens: 1024 };

  it('non-stream: the client\'s body, headers and thinking signatures reach the upstream unchanged', async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = { model: 'claude', max_tokens: 2048, thinking, system: cachedSystem, tools: [WEATHER], messages: [{ role: 'user', content: 'Lima? call tool' }] };
    const first = await client.messages.create(params, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    const up = lastUp(anthropicUp);
    expect(up.body).toEqual({ ...params, model: 'claude-sonnet-4-5' });
    expect(up.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(up.headers['x-api-key']).toBe('test-key');
    // The upstream's own answer, untouched.
    expect(first.id).toMatch(/^msg_mock/);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    const [think, , use] = first.content as [Anthropic.ThinkingBlock, Anthropic.TextBlock, Anthropic.ToolUseBlock];
    expect(think.type).toBe('thinking');
    expect(anthropicUp.issued.has(think.signature)).toBe(true);

    const second = await client.messages.create(
      { ...params, messages: [...params.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] }] },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    expect(lastUp(anthropicUp).body.messages[1].content[0]).toEqual(think);
    // Interleaved thinking (the beta) makes the mock think again after tool results.
    expect(second.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(second.content[1]).toMatchObject({ text: 'tool said: sunny' });
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('forwards a client\'s anthropic-beta header and mcp_servers only where the deployment allows them', async () => {
    const body = { model: 'claude-strict', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }], mcp_servers: [{ type: 'url', url: 'https://mcp.attacker.example/sse', name: 'x' }] };
    await client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming, { headers: { 'anthropic-beta': 'mcp-client-2025-04-04' } });
    const up = lastUp(anthropicUp);
    expect(up.headers['anthropic-beta']).toBeUndefined();
    expect(up.body).not.toHaveProperty('mcp_servers');
    expect(up.body.messages).toEqual(body.messages);
  });

  it('stream: upstream events are passed through, finalMessage() keeps the signature, thinking works over turns', async () => {
    const params: Anthropic.MessageCreateParamsStreaming = { model: 'claude', max_tokens: 2048, stream: true, thinking, tools: [WEATHER], messages: [{ role: 'user', content: 'Cusco? call tool' }] };
    const stream = client.messages.stream(params);
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const first = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(first.id).toMatch(/^msg_mock/);
    const think = first.content[0] as Anthropic.ThinkingBlock;
    expect(anthropicUp.issued.has(think.signature)).toBe(true);
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use.input).toEqual({ city: 'Cusco? call tool' });
    expect(first.stop_reason).toBe('tool_use');
    const second = await client.messages
      .stream({ ...params, messages: [...params.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'cold' }] }] })
      .finalMessage();
    expect(second.content).toEqual([{ type: 'text', text: 'tool said: cold' }]);
  });

  it('stream bytes are the upstream\'s own events (ping included, which Tollgate never writes itself)', async () => {
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    const names = text.trim().split('\n\n').map((b) => b.split('\n')[0]);
    expect(names).toEqual([
      'event: message_start', 'event: content_block_start', 'event: ping', 'event: content_block_delta', 'event: content_block_stop',
      'event: message_delta', 'event: message_stop',
    ]);
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('"id":"msg_mock');
    expect(res.headers.get('x-tollgate-provider')).toBe('anthropic');
  });

  it('a lost signature is refused by the upstream and surfaces as the SDK\'s BadRequestError', async () => {
    const first = await client.messages.create({ model: 'claude', max_tokens: 2048, thinking, tools: [WEATHER], messages: [{ role: 'user', content: 'call tool' }] });
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    const err = await client.messages
      .create({ model: 'claude', max_tokens: 2048, thinking, tools: [WEATHER], messages: [{ role: 'user', content: 'call tool' }, { role: 'assistant', content: [use] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'x' }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('Expected `thinking` or `redacted_thinking`');
  });

  it('upstream overload (529) and rate limits keep their Anthropic types', async () => {
    anthropicUp.setNext({ kind: 'status', status: 529 });
    const overloaded = await client.messages.create({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    anthropicUp.setNext({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const limited = await client.messages.create({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('2');
  });

  it('a mid-stream error event reaches the SDK as an APIError', async () => {
    anthropicUp.setNext({ kind: 'stream-error', afterChunks: 3 });
    const stream = client.messages.stream({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] });
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('a mid-stream error from an OpenAI upstream becomes an Anthropic error event too', async () => {
    openaiUp.setNext({ kind: 'stream-error', afterChunks: 2 });
    const err = await client.messages.stream({ model: 'gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hello there friend' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });
});
