import { describe, expect, it } from 'vitest';
import { CohereStreamParser, cohereToOpenAI, mapCohereError, toOpenAIUsage } from '../src/index.js';

/**
 * Bodies below have the shape of real api.cohere.com answers, as recorded in the Vercel AI SDK's
 * Cohere fixtures (vercel/ai packages/cohere/src/__fixtures__): ids, usage with billed_units, tokens
 * and cached_tokens, citations with document sources.
 */
const CITED = {
  id: '68475c80-574b-4c65-98a4-e81cebab5dce',
  message: {
    role: 'assistant',
    content: [{ type: 'text', text: 'The key benefits are:\n1. Automation of tasks' }],
    citations: [{
      start: 29,
      end: 48,
      text: 'Automation of tasks',
      sources: [{ type: 'document', id: 'doc:0', document: { id: 'doc:0', text: 'AI provides: 1. Automation of tasks', title: 'benefits.txt' } }],
      type: 'TEXT_CONTENT',
    }],
  },
  finish_reason: 'COMPLETE',
  usage: { billed_units: { input_tokens: 39, output_tokens: 27 }, tokens: { input_tokens: 1683, output_tokens: 62 }, cached_tokens: 992 },
};

describe('Cohere chat response -> ChatCompletion', () => {
  it('text, citations as annotations, usage from tokens with cached tokens', () => {
    const r = cohereToOpenAI(CITED, 'command-a-03-2025');
    expect(r).toMatchObject({ id: CITED.id, object: 'chat.completion', model: 'command-a-03-2025' });
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'The key benefits are:\n1. Automation of tasks' } });
    expect(r.choices[0].message.annotations).toEqual([{ type: 'url_citation', url_citation: { start_index: 29, end_index: 48, title: 'benefits.txt', url: 'source:doc:0' } }]);
    expect(r.usage).toEqual({ prompt_tokens: 1683, completion_tokens: 62, total_tokens: 1745, prompt_tokens_details: { cached_tokens: 992 } });
  });

  it('tool calls with the plan as reasoning; a null argument string becomes {}', () => {
    const r = cohereToOpenAI({
      id: 'x',
      finish_reason: 'TOOL_CALL',
      message: {
        role: 'assistant',
        tool_plan: 'I will use the weather tool.',
        tool_calls: [{ id: 'weather_e8p4pn45zt0t', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }, { id: 'now_1', type: 'function', function: { name: 'now', arguments: 'null' } }],
      },
      usage: { billed_units: { input_tokens: 119, output_tokens: 44 }, tokens: { input_tokens: 1549, output_tokens: 95 } },
    }, 'm');
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message).toMatchObject({ content: null, reasoning_content: 'I will use the weather tool.' });
    expect(r.choices[0].message.tool_calls!.map((t) => t.function.arguments)).toEqual(['{"location":"San Francisco"}', '{}']);
  });

  it('thinking content comes before the tool plan in reasoning_content', () => {
    const r = cohereToOpenAI({ id: 'x', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'thinking', thinking: 'Sum 2 and 2.' }, { type: 'text', text: '4' }] } }, 'm');
    expect(r.choices[0].message).toMatchObject({ content: '4', reasoning_content: 'Sum 2 and 2.' });
  });

  it('MAX_TOKENS is length; ERROR and TIMEOUT are errors the router may retry', () => {
    expect(cohereToOpenAI({ id: 'x', finish_reason: 'MAX_TOKENS', message: { role: 'assistant', content: [] } }, 'm').choices[0].finish_reason).toBe('length');
    expect(() => cohereToOpenAI({ id: 'x', finish_reason: 'ERROR', message: { role: 'assistant' } }, 'm')).toThrow(expect.objectContaining({ status: 502, kind: 'server' }));
    expect(() => cohereToOpenAI({ id: 'x', finish_reason: 'TIMEOUT', message: { role: 'assistant' } }, 'm')).toThrow(expect.objectContaining({ status: 504, kind: 'timeout' }));
    expect(() => cohereToOpenAI({ id: 'x' }, 'm')).toThrow(expect.objectContaining({ code: 'bad_upstream_response' }));
  });

  it('usage falls back to billed_units', () => {
    expect(toOpenAIUsage({ billed_units: { input_tokens: 3, output_tokens: 4 } })).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });
});

describe('Cohere stream events -> chunks', () => {
  const feed = (events: object[]) => {
    const p = new CohereStreamParser({ model: 'command-a-03-2025' });
    return events.flatMap((e) => [p.event({ event: (e as { type: string }).type, data: JSON.stringify(e) })].flat().filter(Boolean));
  };

  it('a recorded tool-call stream: plan deltas as reasoning, calls numbered from 0, finish and usage', () => {
    const chunks = feed([
      { id: '2941521a', type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will' } } },
      { type: 'tool-call-start', index: 0, delta: { message: { tool_calls: { id: 'weather_e8p4', type: 'function', function: { name: 'weather', arguments: '' } } } } },
      { type: 'tool-call-delta', index: 0, delta: { message: { tool_calls: { function: { arguments: '{"location":' } } } } },
      { type: 'tool-call-delta', index: 0, delta: { message: { tool_calls: { function: { arguments: ' "SF"}' } } } } },
      { type: 'tool-call-end', index: 0 },
      { type: 'message-end', delta: { finish_reason: 'TOOL_CALL', usage: { billed_units: { input_tokens: 119, output_tokens: 44 }, tokens: { input_tokens: 1549, output_tokens: 95 }, cached_tokens: 1504 } } },
    ]);
    expect(chunks.map((c) => c!.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'I will' },
      { tool_calls: [{ index: 0, id: 'weather_e8p4', type: 'function', function: { name: 'weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ' "SF"}' } }] },
      {},
      undefined,
    ]);
    expect(chunks.every((c) => c!.id === '2941521a')).toBe(true);
    expect(chunks[5]!.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[6]!.usage).toEqual({ prompt_tokens: 1549, completion_tokens: 95, total_tokens: 1644, prompt_tokens_details: { cached_tokens: 1504 } });
  });

  it('thinking deltas are reasoning_content; text deltas are content', () => {
    const chunks = feed([
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'thinking', thinking: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { thinking: 'The user' } } } },
      { type: 'content-end', index: 0 },
      { type: 'content-start', index: 1, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 1, delta: { message: { content: { text: 'The answer' } } } },
    ]);
    expect(chunks.map((c) => c!.choices[0].delta)).toEqual([{ reasoning_content: 'The user' }, { content: 'The answer' }]);
  });

  it('a message-end with error throws a server error (the core scrubs keys from it)', () => {
    expect(() => feed([{ type: 'message-end', delta: { finish_reason: 'ERROR', error: 'bad things happened' } }]))
      .toThrow(expect.objectContaining({ status: 502, kind: 'server', message: 'cohere: bad things happened' }));
  });

  it('a malformed event is a bad upstream response', () => {
    const p = new CohereStreamParser({ model: 'm' });
    expect(() => p.event({ data: '{"type":' })).toThrow(expect.objectContaining({ code: 'bad_upstream_response' }));
  });
});

describe('Cohere errors -> canonical errors with kinds', () => {
  const map = (status: number, message?: string, headers: Record<string, string> = {}) =>
    mapCohereError({ status, headers, body: message === undefined ? '<html>bad gateway</html>' : JSON.stringify({ id: 'e1', message }) });

  it.each([
    [401, 'invalid api token', 401, 'auth'],
    [402, 'Please add or update your payment method', 402, 'permission'],
    [403, 'forbidden', 403, 'permission'],
    [404, "model 'x' not found, make sure the correct model ID was used", 404, 'not_found'],
    [422, "unknown field: parameter 'top_k' is not a valid field", 400, 'bad_request'],
    [429, 'You are past the per minute request limit', 429, 'rate_limit'],
    [498, 'blocked', 400, 'content_policy'],
    [499, 'request cancelled', 502, 'server'],
    [500, 'internal server error', 500, 'server'],
    [501, 'not implemented', 400, 'bad_request'],
    [503, 'service unavailable', 503, 'overloaded'],
    [504, 'request timed out', 504, 'timeout'],
  ])('HTTP %i -> %i %s', (status, message, expected, kind) => {
    const e = map(status, message);
    expect(e).toMatchObject({ status: expected, kind, upstreamStatus: status, message: `cohere: ${message}` });
  });

  it('context-window messages are context_window_exceeded; max_tokens limits are not', () => {
    expect(map(400, 'too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292.').kind).toBe('context_window_exceeded');
    expect(map(400, 'too many tokens: max tokens must be less than or equal to 4096, the maximum output for this model - received 8192.').kind).toBe('bad_request');
  });

  it('keeps retry-after; never echoes a non-JSON body', () => {
    expect(map(429, 'slow down', { 'retry-after': '12' }).retryAfter).toBe(12);
    expect(map(502).message).toBe('Upstream cohere answered HTTP 502.');
  });
});
