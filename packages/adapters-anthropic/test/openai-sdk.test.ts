import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@tollgate/core';
import anthropicPlugin from '../src/index.js';
import { createTollgateServer, type TollgateServer } from '../../server/src/index.js';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';

let mock: MockAnthropicServer;
let server: TollgateServer;
let client: OpenAI;

const WEATHER: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** Provider extras the openai SDK types do not know. */
type Extras = { reasoning_content?: string; thinking_blocks?: Array<Record<string, unknown>> };

beforeAll(async () => {
  mock = await startMockAnthropic();
  const gateway = new Gateway({
    config: {
      model_list: [{ model_name: 'claude', params: { model: 'anthropic/claude-sonnet-4-5', api_base: mock.url, api_key: 'test-key' } }],
      settings: { log_level: 'silent' },
    },
  });
  await gateway.use(anthropicPlugin);
  await gateway.start();
  server = createTollgateServer(gateway, { requestLog: false });
  const { port } = await server.listen(0);
  client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close(1000);
  await mock.close();
});

describe('openai SDK -> Tollgate -> Anthropic (strict mock)', () => {
  it('text', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('echo: hello');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-tollgate-provider')).toBe('anthropic');
  });

  it('stream with usage', async () => {
    const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('echo: stream me');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 4 });
  });

  it('tools round trip (streamed helper, then a tool result)', async () => {
    const runner = client.chat.completions.stream({ model: 'claude', tools: [WEATHER], messages: [{ role: 'user', content: 'Lima? call tool' }] });
    const first = await runner.finalChatCompletion();
    const call = first.choices[0].message.tool_calls![0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Lima? call tool' });
    const second = await client.chat.completions.create({
      model: 'claude',
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Lima? call tool' },
        { role: 'assistant', content: first.choices[0].message.content, tool_calls: first.choices[0].message.tool_calls },
        { role: 'tool', tool_call_id: call.id, content: 'cloudy' },
      ],
    });
    expect(second.choices[0].message.content).toBe('tool said: cloudy');
  });

  it('thinking over several turns: message.thinking_blocks sent back are accepted by the strict mock', async () => {
    const first = await client.chat.completions.create({ model: 'claude', reasoning_effort: 'low', tools: [WEATHER], messages: [{ role: 'user', content: 'Quito? call tool' }] });
    const m = first.choices[0].message as OpenAI.Chat.Completions.ChatCompletionMessage & Extras;
    expect(m.reasoning_content).toMatch(/^Let me think/);
    expect(m.thinking_blocks).toEqual([{ type: 'thinking', thinking: m.reasoning_content, signature: expect.any(String) }]);
    const assistant = { role: 'assistant', content: m.content, tool_calls: m.tool_calls, thinking_blocks: m.thinking_blocks } as OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam;
    const second = await client.chat.completions.create({
      model: 'claude',
      reasoning_effort: 'low',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Quito? call tool' }, assistant, { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'mild' }],
    });
    expect(second.choices[0].message.content).toBe('tool said: mild');
    // A third turn with the whole history still validates (every signature is checked).
    const third = await client.chat.completions.create({
      model: 'claude',
      reasoning_effort: 'low',
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Quito? call tool' },
        assistant,
        { role: 'tool', tool_call_id: m.tool_calls![0].id, content: 'mild' },
        { role: 'assistant', content: second.choices[0].message.content },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(third.choices[0].message.content).toBe('echo: thanks');
  });

  it('an upstream 400 reaches the SDK as a BadRequestError in OpenAI\'s envelope', async () => {
    const err = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], logprobs: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("'logprobs'");
  });
});
