/** The official SDKs as clients: openai through /v1/chat/completions, @anthropic-ai/sdk through /v1/messages, to Bedrock. */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTollgateServer, type TollgateServer } from '../../server/src/index.js';
import { MOCK_BEDROCK_API_KEY, startBedrockMock, type BedrockMockServer } from '../../testing/src/bedrock-mock.js';
import { CLAUDE, sigv4Params, startGateway } from './helpers.js';

let mock: BedrockMockServer;
let server: TollgateServer;
let openai: OpenAI;
let anthropic: Anthropic;

const WEATHER: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
type Extras = { reasoning_content?: string; thinking_blocks?: Array<Record<string, unknown>> };

beforeAll(async () => {
  mock = await startBedrockMock();
  const gateway = await startGateway([
    { model_name: 'claude', params: sigv4Params(mock, `bedrock/${CLAUDE}`) },
    { model_name: 'claude-key', params: { model: `bedrock/converse/${CLAUDE}`, api_base: mock.url, api_key: MOCK_BEDROCK_API_KEY, aws_region_name: 'us-east-1' } },
  ]);
  server = createTollgateServer(gateway, { requestLog: false });
  const { port } = await server.listen(0);
  openai = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close(1000);
  await mock.close();
});

describe('openai SDK -> Tollgate -> Bedrock', () => {
  it('text, not streamed', async () => {
    const r = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hello' }] });
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: hello' } });
    expect(r.usage?.completion_tokens).toBe(3);
  });

  it('streamed with usage', async () => {
    const s = await openai.chat.completions.create({ model: 'claude-key', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of s) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('echo: stream me');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 4 });
  });

  it('tools round trip (streamed helper, then the tool result, not streamed)', async () => {
    const first = await openai.chat.completions.stream({ model: 'claude', tools: [WEATHER], messages: [{ role: 'user', content: 'Lima? call tool' }] }).finalChatCompletion();
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Lima? call tool' });
    const second = await openai.chat.completions.create({
      model: 'claude',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Lima? call tool' }, { role: 'assistant', content: first.choices[0].message.content, tool_calls: first.choices[0].message.tool_calls }, { role: 'tool', tool_call_id: call.id, content: 'cloudy' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: cloudy');
  });

  it('thinking blocks survive a round trip through the SDK', async () => {
    const first = await openai.chat.completions.create({ model: 'claude', reasoning_effort: 'low', tools: [WEATHER], messages: [{ role: 'user', content: 'Quito? call tool' }] });
    const m = first.choices[0].message as OpenAI.Chat.Completions.ChatCompletionMessage & Extras;
    expect(m.thinking_blocks).toEqual([{ type: 'thinking', thinking: m.reasoning_content, signature: expect.any(String) }]);
    const assistant = { role: 'assistant', content: m.content, tool_calls: m.tool_calls, thinking_blocks: m.thinking_blocks } as OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam;
    const second = await openai.chat.completions.create({ model: 'claude', reasoning_effort: 'low', tools: [WEATHER], messages: [{ role: 'user', content: 'Quito? call tool' }, assistant, { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'mild' }] });
    expect(second.choices[0].message.content).toBe('tool said: mild');
  });

  it("errors reach the SDK in OpenAI's envelope with the right class, credentials scrubbed", async () => {
    mock.setNext({ kind: 'status', status: 429 });
    await expect(openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    mock.setNext({ kind: 'echo-credential', as: 'auth' });
    const e = await openai.chat.completions.create({ model: 'claude-key', messages: [{ role: 'user', content: 'x' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((e as Error).message).not.toContain(MOCK_BEDROCK_API_KEY);
    mock.setNext({ kind: 'echo-credential', as: 'stream' });
    const s = await openai.chat.completions.create({ model: 'claude-key', messages: [{ role: 'user', content: 'x' }], stream: true });
    const se = await (async () => { for await (const _ of s) { /* drain */ } })().catch((x: unknown) => x);
    expect(String((se as Error).message)).not.toContain(MOCK_BEDROCK_API_KEY);
    expect(String((se as Error).message)).toContain('[redacted]');
  });
});

describe('@anthropic-ai/sdk -> Tollgate /v1/messages -> Bedrock Claude', () => {
  const TOOL: Anthropic.Tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

  it('text, with system and thinking', async () => {
    const r = await anthropic.messages.create({ model: 'claude', max_tokens: 3000, system: 'Be brief.', thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'hello' }] });
    expect(r.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect((r.content[1] as Anthropic.TextBlock).text).toBe('echo: hello');
    expect(r.stop_reason).toBe('end_turn');
    const sent = mock.requests[mock.requests.length - 1].body;
    expect(sent).toMatchObject({ system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 3000 }, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } } });
  });

  it('tools, streamed, then the tool result', async () => {
    const stream = anthropic.messages.stream({ model: 'claude', max_tokens: 500, tools: [TOOL], messages: [{ role: 'user', content: 'Oslo? call tool' }] });
    const first = await stream.finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use.input).toEqual({ city: 'Oslo? call tool' });
    const second = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 500,
      tools: [TOOL],
      messages: [{ role: 'user', content: 'Oslo? call tool' }, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'snow' }] }],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'tool said: snow' }]);
    expect(second.usage.output_tokens).toBeGreaterThan(0);
  });
});
