import { describe, expect, it } from 'vitest';
import { BadRequestError, type ChatCompletionRequest, type RequestContext } from '@tollgate/core';
import { buildAnthropicBody, convertMessages, JSON_TOOL_NAME } from '../src/index.js';

const ctx = () => ({ warnings: [] as string[] }) as unknown as RequestContext & { warnings: string[] };
const req = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'claude',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const build = (extra: Partial<ChatCompletionRequest> = {}, opts: { dropParams?: boolean; allowed?: string[] } = {}, c = ctx()) => ({
  ...buildAnthropicBody(req(extra), { model: 'claude-sonnet-4-5', ...opts }, c),
  warnings: c.warnings,
});

describe('buildAnthropicBody: basics', () => {
  it('sends model, max_tokens (default 4096) and messages', () => {
    const { body } = build();
    expect(body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('takes max_completion_tokens over max_tokens over the default', () => {
    expect(build({ max_tokens: 10 }).body.max_tokens).toBe(10);
    expect(build({ max_tokens: 10, max_completion_tokens: 20 }).body.max_tokens).toBe(20);
    expect(buildAnthropicBody(req(), { model: 'm', defaultMaxTokens: 8192 }, null).body.max_tokens).toBe(8192);
  });

  it('Vertex AI shape: no model, anthropic_version in the body', () => {
    const { body } = buildAnthropicBody(req({ stream: true }), { model: null, anthropicVersion: 'vertex-2023-10-16' }, null);
    expect(body).not.toHaveProperty('model');
    expect(body.anthropic_version).toBe('vertex-2023-10-16');
    expect(body.stream).toBe(true);
  });

  it('maps stop, temperature, top_p, top_k and user', () => {
    const { body } = build({ stop: ['END', '  '], temperature: 0.5, top_p: 0.9, top_k: 40, user: 'u-1' });
    expect(body.stop_sequences).toEqual(['END']);
    expect(body.temperature).toBe(0.5);
    expect(body.top_p).toBe(0.9);
    expect(body.top_k).toBe(40);
    expect(body.metadata).toEqual({ user_id: 'u-1' });
    expect(build({ stop: 'X' }).body.stop_sequences).toEqual(['X']);
  });

  it('clamps temperature above 1 with a warning', () => {
    const { body, warnings } = build({ temperature: 1.6 });
    expect(body.temperature).toBe(1);
    expect(warnings).toEqual(["clamped 'temperature' from 1.6 to 1"]);
  });

  it('drops nulls and neutral values of unsupported params', () => {
    const { body } = build({ temperature: null, logprobs: false, n: 1, presence_penalty: 0, frequency_penalty: 0, seed: null, modalities: ['text'] });
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  it.each([
    ['logit_bias', { logit_bias: { '1': 2 } }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 2 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['seed', { seed: 7 }],
    ['n', { n: 2 }],
  ] as const)('refuses %s with a 400 naming it, drops it with drop_params', (name, extra) => {
    expect(() => build(extra as Partial<ChatCompletionRequest>)).toThrowError(BadRequestError);
    try {
      build(extra as Partial<ChatCompletionRequest>);
    } catch (e) {
      expect((e as BadRequestError).param).toBe(name);
      expect((e as BadRequestError).message).toContain(`'${name}'`);
    }
    const { body, warnings } = build(extra as Partial<ChatCompletionRequest>, { dropParams: true });
    expect(body).not.toHaveProperty(name);
    expect(warnings).toEqual([`dropped unsupported param '${name}'`]);
  });

  it('forwards unknown (Anthropic-native) extras only where the deployment allows them', () => {
    const refused = build({ container: 'c-1', api_base: 'http://attacker.example' } as Partial<ChatCompletionRequest>);
    expect(refused.body).not.toHaveProperty('container');
    expect(refused.body).not.toHaveProperty('api_base');
    expect(refused.warnings.join(' ')).toContain("ignored param 'container'");
    const allowed = build({ container: 'c-1', api_base: 'http://attacker.example' } as Partial<ChatCompletionRequest>, { allowed: ['container', 'api_base'] });
    expect(allowed.body.container).toBe('c-1');
    // Credential- and routing-shaped fields never go upstream, allowed or not.
    expect(allowed.body).not.toHaveProperty('api_base');
  });

  it('keeps OpenAI metadata out; user_id inside metadata goes through', () => {
    const { body, warnings } = build({ metadata: { tag: 'x', user_id: 'u' } });
    expect(body.metadata).toEqual({ user_id: 'u' });
    expect(warnings).toEqual([]);
    expect(build({ metadata: { tags: 'a' } }).body).not.toHaveProperty('metadata');
  });

  it('does not send an email or phone number as user_id', () => {
    const { body, warnings } = build({ user: 'jane@example.com' });
    expect(body).not.toHaveProperty('metadata');
    expect(warnings[0]).toContain("dropped 'user'");
    expect(build({ user: '+1 (555) 123-4567' }).body).not.toHaveProperty('metadata');
  });
});

describe('convertMessages', () => {
  it('moves system and developer messages to top-level system text blocks, keeping cache_control', () => {
    const out = convertMessages([
      { role: 'system', content: 'be brief' },
      { role: 'developer', content: [{ type: 'text', text: 'long doc', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'hi' },
    ]);
    expect(out.system).toEqual([{ type: 'text', text: 'be brief' }, { type: 'text', text: 'long doc', cache_control: { type: 'ephemeral' } }]);
    expect(out.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('merges consecutive turns of one role', () => {
    const out = convertMessages([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: 'c' },
      { role: 'assistant', content: 'd' },
    ]);
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }, { type: 'text', text: 'd' }] },
    ]);
  });

  it('turns tool calls into tool_use blocks and groups tool results into one user turn, results first', () => {
    const out = convertMessages([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: 'checking',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'noon', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'thanks' },
    ]);
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'checking' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
      ],
    });
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
        { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'noon', cache_control: { type: 'ephemeral' } }] },
        { type: 'text', text: 'thanks' },
      ],
    });
    expect([...out.calledTools]).toEqual(['get_weather', 'get_time']);
  });

  it('refuses tool call arguments that are not JSON', () => {
    expect(() =>
      convertMessages([{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }]),
    ).toThrowError(/arguments is not valid JSON/);
  });

  it('sends thinking blocks back first in the assistant turn, unchanged', () => {
    const out = convertMessages([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: 'a',
        reasoning_content: 'hmm',
        thinking_blocks: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig1' },
          { type: 'redacted_thinking', data: 'xyz' },
          { type: 'thinking', thinking: 'no signature: not sendable' },
        ],
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
    ]);
    expect(out.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: 'sig1' },
      { type: 'redacted_thinking', data: 'xyz' },
      { type: 'text', text: 'a' },
      { type: 'tool_use', id: 't1', name: 'f', input: {} },
    ]);
  });

  it('maps images (data URL -> base64, https -> url) and PDF files -> document blocks', () => {
    const pdf = Buffer.from('%PDF-1.4').toString('base64');
    const out = convertMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' }, cache_control: { type: 'ephemeral' } },
          { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'a.pdf' } },
          { type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from('plain words').toString('base64')}` } },
        ],
      },
    ]);
    expect(out.messages[0].content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' }, cache_control: { type: 'ephemeral' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
    ]);
  });

  it('refuses audio parts, file_id files and legacy function messages', () => {
    expect(() => convertMessages([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }])).toThrowError(/input_audio/);
    expect(() => convertMessages([{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }])).toThrowError(/file_id/);
    expect(() => convertMessages([{ role: 'function', name: 'f', content: 'x' }])).toThrowError(/legacy function calling/);
  });

  it('applies a message-level cache_control to the message\'s last block', () => {
    const out = convertMessages([{ role: 'user', content: 'big context', cache_control: { type: 'ephemeral' } } as never]);
    expect(out.messages[0].content).toEqual([{ type: 'text', text: 'big context', cache_control: { type: 'ephemeral' } }]);
  });
});

describe('buildAnthropicBody: tools', () => {
  const tool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

  it('maps tools to input_schema, keeping cache_control', () => {
    const { body } = build({ tools: [{ ...tool, cache_control: { type: 'ephemeral' } }, { type: 'function', function: { name: 'ping' } }] });
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } },
      { name: 'ping', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
  ] as const)('tool_choice %j -> %j', (choice, expected) => {
    expect(build({ tools: [tool], tool_choice: choice as ChatCompletionRequest['tool_choice'] }).body.tool_choice).toEqual(expected);
  });

  it('parallel_tool_calls: false -> disable_parallel_tool_use on tool_choice', () => {
    expect(build({ tools: [tool], parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(build({ tools: [tool], tool_choice: 'required', parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(build({ tools: [tool], parallel_tool_calls: true }).body).not.toHaveProperty('tool_choice');
  });

  it('adds placeholder tools when the history has tool calls but the request has none', () => {
    const { body, warnings } = build({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'r' },
      ],
    });
    expect(body.tools).toEqual([{ name: 'lookup', description: 'A tool used earlier in this conversation.', input_schema: { type: 'object' } }]);
    expect(body.tool_choice).toEqual({ type: 'none' });
    expect(warnings[0]).toContain('placeholder');
  });
});

describe('buildAnthropicBody: response_format', () => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

  it('json_schema -> a forced tool whose input_schema is the schema', () => {
    const { body, jsonMode } = build({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } });
    expect(body.tools).toEqual([{ name: JSON_TOOL_NAME, description: expect.any(String), input_schema: schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
    expect(jsonMode).toEqual({ wrapped: false });
  });

  it('json_object -> a permissive schema; a non-object schema is wrapped in {values}', () => {
    expect(build({ response_format: { type: 'json_object' } }).body.tools).toEqual([
      { name: JSON_TOOL_NAME, description: expect.any(String), input_schema: { type: 'object', additionalProperties: true, properties: {} } },
    ]);
    const arr = { type: 'array', items: { type: 'string' } };
    const { body, jsonMode } = build({ response_format: { type: 'json_schema', json_schema: { name: 'list', schema: arr } } });
    expect((body.tools as Array<{ input_schema: unknown }>)[0].input_schema).toEqual({ type: 'object', properties: { values: arr }, required: ['values'] });
    expect(jsonMode).toEqual({ wrapped: true });
  });

  it('text is a no-op; with the client\'s own tools the JSON tool is added but not forced', () => {
    expect(build({ response_format: { type: 'text' } }).jsonMode).toBeNull();
    const { body } = build({ tools: [{ type: 'function', function: { name: 'f' } }], response_format: { type: 'json_object' } });
    expect((body.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['f', JSON_TOOL_NAME]);
    expect(body).not.toHaveProperty('tool_choice');
  });
});

describe('buildAnthropicBody: thinking', () => {
  it.each([
    ['low', 1024],
    ['medium', 2048],
    ['high', 4096],
  ] as const)('reasoning_effort %s -> budget %d, max_tokens above it', (effort, budget) => {
    const { body } = build({ reasoning_effort: effort });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    expect(body.max_tokens as number).toBeGreaterThan(budget);
  });

  it("reasoning_effort 'none' -> no thinking", () => {
    expect(build({ reasoning_effort: 'none' }).body).not.toHaveProperty('thinking');
  });

  it('an explicit thinking param wins and is sent as given', () => {
    const { body } = build({ thinking: { type: 'enabled', budget_tokens: 3000 }, reasoning_effort: 'low', max_tokens: 5000 });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 3000 });
    expect(body.max_tokens).toBe(5000);
  });

  it('raises a max_tokens at or below the budget, with a warning', () => {
    const { body, warnings } = build({ reasoning_effort: 'low', max_tokens: 500 });
    expect(body.max_tokens).toBe(1524);
    expect(warnings[0]).toContain('raised max_tokens from 500 to 1524');
  });

  it('drops temperature and top_k, clamps top_p, with warnings', () => {
    const { body, warnings } = build({ reasoning_effort: 'low', temperature: 0.2, top_k: 5, top_p: 0.5 });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_k');
    expect(body.top_p).toBe(0.95);
    expect(warnings).toEqual(["dropped 'temperature': not allowed with thinking", "dropped 'top_k': not allowed with thinking", "clamped 'top_p' from 0.5 to 0.95: required with thinking"]);
  });

  it('refuses a forced tool_choice with thinking (auto with drop_params); json mode is not forced', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    expect(() => build({ reasoning_effort: 'low', tools, tool_choice: 'required' })).toThrowError(/forces a tool/);
    const dropped = build({ reasoning_effort: 'low', tools, tool_choice: 'required' }, { dropParams: true });
    expect(dropped.body.tool_choice).toEqual({ type: 'auto' });
    expect(build({ reasoning_effort: 'low', response_format: { type: 'json_object' } }).body).not.toHaveProperty('tool_choice');
  });
});
