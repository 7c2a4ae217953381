import { describe, expect, it } from 'vitest';
import { BadRequestError, type ChatCompletionRequest } from '@tollgate/core';
import { buildCohereChatBody, cohereChatParams, cohereRoot, convertMessages, thinkingOf } from '../src/index.js';

const build = (r: Partial<ChatCompletionRequest>, dropParams = false) =>
  buildCohereChatBody({ model: 'command', messages: [{ role: 'user', content: 'hi' }], ...r }, { model: 'command-a-03-2025', dropParams }, null);

describe('OpenAI messages -> Cohere v2 messages', () => {
  it('keeps system, user, assistant and tool turns; developer becomes system; name and cache markers are dropped', () => {
    const { messages } = convertMessages([
      { role: 'developer', content: [{ type: 'text', text: 'Rules.', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'Hi', name: 'ann' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Rules.' }] },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
    ]);
  });

  it('an assistant tool-call turn carries reasoning_content (else its text) as tool_plan and no content', () => {
    const call = { id: 'get_weather_abc', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
    expect(convertMessages([{ role: 'assistant', content: 'Checking.', tool_calls: [call] }]).messages).toEqual([
      { role: 'assistant', tool_calls: [call], tool_plan: 'Checking.' },
    ]);
    expect(convertMessages([{ role: 'assistant', content: 'x', reasoning_content: 'I will look it up.', tool_calls: [call] }]).messages[0]).toMatchObject({ tool_plan: 'I will look it up.' });
    expect(convertMessages([{ role: 'assistant', content: null, tool_calls: [call] }]).messages[0]).toEqual({ role: 'assistant', tool_calls: [call] });
  });

  it('a text file part becomes a document; other files and audio are refused naming the part', () => {
    const file = (mime: string, text: string) => ({ type: 'file' as const, file: { file_data: `data:${mime};base64,${Buffer.from(text).toString('base64')}`, filename: 'notes.md' } });
    const out = convertMessages([{ role: 'user', content: [{ type: 'text', text: 'Summarise' }, file('text/markdown', '# Notes')] }]);
    expect(out.documents).toEqual([{ data: { text: '# Notes', title: 'notes.md' } }]);
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Summarise' }] }]);
    expect(() => convertMessages([{ role: 'user', content: [file('application/pdf', '%PDF')] }])).toThrow(expect.objectContaining({ param: 'messages[0].content[0]' }));
    expect(() => convertMessages([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }])).toThrow(BadRequestError);
  });

  it('the deprecated function role is refused', () => {
    expect(() => convertMessages([{ role: 'function', name: 'f', content: 'x' }])).toThrow(expect.objectContaining({ param: 'messages[0].role' }));
  });
});

describe('OpenAI params -> Cohere fields (the parameter table)', () => {
  it('renames and converts: max_completion_tokens, stop, top_p, top_k, seed, penalties', () => {
    expect(build({ max_completion_tokens: 99, max_tokens: 5, stop: 'END', top_p: 0.5, top_k: 40, seed: 7, presence_penalty: 0.3 })).toEqual({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 99,
      stop_sequences: ['END'],
      p: 0.5,
      k: 40,
      seed: 7,
      presence_penalty: 0.3,
    });
  });

  it('passes Cohere-native fields the deployment allows and drops user and metadata', () => {
    const native = { safety_mode: 'STRICT', citation_options: { mode: 'FAST' } };
    expect(build(native)).not.toHaveProperty('safety_mode');
    const params = cohereChatParams(false, ['safety_mode', 'citation_options']);
    const body = buildCohereChatBody({ model: 'command', messages: [{ role: 'user', content: 'hi' }], ...native, user: 'u', metadata: { a: 'b' } }, { model: 'command-a-03-2025', dropParams: false, params }, null);
    expect(body).toMatchObject(native);
    expect(body).not.toHaveProperty('user');
    expect(body).not.toHaveProperty('metadata');
  });

  it('neutral values of unsupported params are not refused; real ones are, or dropped under drop_params', () => {
    expect(build({ n: 1, logprobs: false, parallel_tool_calls: true, modalities: ['text'] })).not.toHaveProperty('n');
    expect(() => build({ n: 2 })).toThrow(expect.objectContaining({ param: 'n', code: 'unsupported_parameter' }));
    expect(build({ n: 2 }, true)).not.toHaveProperty('n');
  });

  it('tools: strict_tools only when every tool is strict; tool_choice none -> NONE, auto -> nothing', () => {
    const tool = (name: string, strict?: boolean) => ({ type: 'function' as const, function: { name, parameters: { type: 'object', properties: {} }, ...(strict === undefined ? {} : { strict }) } });
    expect(build({ tools: [tool('a', true), tool('b', true)] })).toMatchObject({ strict_tools: true });
    expect(build({ tools: [tool('a', true), tool('b')] })).not.toHaveProperty('strict_tools');
    expect(build({ tools: [tool('a')], tool_choice: 'none' }).tool_choice).toBe('NONE');
    expect(build({ tools: [tool('a')], tool_choice: 'auto' })).not.toHaveProperty('tool_choice');
    expect(() => build({ tools: [tool('a')], tool_choice: { type: 'function', function: { name: 'zzz' } } })).toThrow(expect.objectContaining({ param: 'tool_choice' }));
  });

  it('a tool without parameters gets an empty object schema (Cohere requires parameters)', () => {
    expect(build({ tools: [{ type: 'function', function: { name: 'now' } }] }).tools).toEqual([{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }]);
  });

  it('response_format: json_object and json_schema map to json_object; text is left out', () => {
    expect(build({ response_format: { type: 'json_object' } }).response_format).toEqual({ type: 'json_object' });
    expect(build({ response_format: { type: 'text' } })).not.toHaveProperty('response_format');
  });

  it('request documents and file documents are sent together', () => {
    const file = { type: 'file' as const, file: { file_data: `data:text/plain;base64,${Buffer.from('B').toString('base64')}` } };
    expect(build({ documents: ['A'], messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }, file] }] }).documents).toEqual(['A', { data: { text: 'B' } }]);
    expect(() => build({ documents: 'A' })).toThrow(expect.objectContaining({ status: 400, param: 'documents' }));
  });
});

describe('thinking', () => {
  it('reasoning_effort none disables, others enable with a budget; Anthropic-style thinking is accepted', () => {
    expect(thinkingOf({ model: 'm', messages: [], reasoning_effort: 'none' })).toEqual({ type: 'disabled' });
    expect(thinkingOf({ model: 'm', messages: [], reasoning_effort: 'medium' })).toEqual({ type: 'enabled', token_budget: 2048 });
    expect(thinkingOf({ model: 'm', messages: [], thinking: { type: 'enabled', budget_tokens: 3000 } })).toEqual({ type: 'enabled', token_budget: 3000 });
    expect(thinkingOf({ model: 'm', messages: [] })).toBeUndefined();
  });
});

describe('api_base', () => {
  it('accepts a root, /v1, /v2 or a full endpoint URL', () => {
    for (const b of ['https://api.cohere.com', 'https://api.cohere.com/', 'https://api.cohere.com/v2', 'https://api.cohere.com/v2/chat', 'https://api.cohere.com/v1/rerank']) {
      expect(cohereRoot(b)).toBe('https://api.cohere.com');
    }
  });
});
