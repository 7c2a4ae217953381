import { AuthenticationError, GatewayError, RateLimitError } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { geminiAdapter, mapFinishReason, mapUsage } from '../src/index.js';
import { context, parseStream, studio } from './helpers.js';

const parse = (body: unknown) => geminiAdapter.operations.chat!.parseResponse(body, studio(), context());

describe('response mapping', () => {
  it('text, thoughts and usage (reasoning counted in completion_tokens)', () => {
    const out = parse({
      candidates: [{
        content: { role: 'model', parts: [{ text: 'Let me think.', thought: true }, { text: 'Hello ' }, { text: 'world' }] },
        finishReason: 'STOP',
      }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 7, cachedContentTokenCount: 4, totalTokenCount: 22 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc123',
    });
    expect(out).toMatchObject({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world', reasoning_content: 'Let me think.' }, finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 12,
        total_tokens: 22,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 7 },
      },
    });
  });

  it('usage: thoughts are not added twice when candidatesTokenCount already includes them', () => {
    expect(mapUsage({ promptTokenCount: 10, candidatesTokenCount: 12, thoughtsTokenCount: 7, totalTokenCount: 22 })).toEqual({
      prompt_tokens: 10, completion_tokens: 12, total_tokens: 22, completion_tokens_details: { reasoning_tokens: 7 },
    });
    expect(mapUsage({ promptTokenCount: 3 })).toEqual({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 });
  });

  it('function calls become tool_calls with deterministic ids (signature carried in the id)', () => {
    const out = parse({
      candidates: [{
        content: {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'U2lnMQ==' },
            { functionCall: { name: 'get_time' } },
          ],
        },
        finishReason: 'STOP',
      }],
    });
    expect(out.choices[0].finish_reason).toBe('tool_calls');
    expect(out.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_0__thought__U2lnMQ==', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
    expect(out.id).toBe('chatcmpl-req-1');
  });

  it('code execution parts are shown as code blocks in the content', () => {
    const out = parse({ candidates: [{ content: { parts: [{ executableCode: { language: 'PYTHON', code: 'print(1)' } }, { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1' } }] }, finishReason: 'STOP' }] });
    expect(out.choices[0].message.content).toBe('\n```python\nprint(1)\n```\n\n```\n1\n```\n');
  });

  it('several candidates become several choices; logprobs are mapped', () => {
    const out = parse({
      candidates: [
        { content: { parts: [{ text: 'a' }] }, finishReason: 'STOP', logprobsResult: { chosenCandidates: [{ token: 'a', logProbability: -0.5 }], topCandidates: [{ candidates: [{ token: 'a', logProbability: -0.5 }, { token: 'b', logProbability: -1.5 }] }] } },
        { content: { parts: [{ text: 'b' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
    });
    expect(out.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([[0, 'a', 'stop'], [1, 'b', 'length']]);
    expect(out.choices[0].logprobs).toEqual({
      content: [{ token: 'a', logprob: -0.5, bytes: [97], top_logprobs: [{ token: 'a', logprob: -0.5, bytes: [97] }, { token: 'b', logprob: -1.5, bytes: [98] }] }],
    });
  });

  it('safety: a blocked candidate or a blocked prompt is finish_reason content_filter', () => {
    const blocked = parse({ candidates: [{ finishReason: 'SAFETY', safetyRatings: [] }], usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } });
    expect(blocked.choices[0]).toMatchObject({ message: { content: null }, finish_reason: 'content_filter' });
    const prompt = parse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } });
    expect(prompt.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter', logprobs: null }]);
    expect(() => parse({})).toThrow(/without candidates/);
    expect(() => parse([1])).toThrow(/malformed/);
  });

  it('finish reasons', () => {
    expect(mapFinishReason('STOP', false)).toBe('stop');
    expect(mapFinishReason('STOP', true)).toBe('tool_calls');
    expect(mapFinishReason('MAX_TOKENS', false)).toBe('length');
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) expect(mapFinishReason(r, false)).toBe('content_filter');
    expect(mapFinishReason('MALFORMED_FUNCTION_CALL', false)).toBe('stop');
    expect(mapFinishReason(undefined, false)).toBeNull();
    expect(mapFinishReason('FINISH_REASON_UNSPECIFIED', false)).toBeNull();
  });
});

describe('stream parser', () => {
  const ev = (parts: unknown[], extra: Record<string, unknown> = {}) => ({ candidates: [{ content: { role: 'model', parts }, ...extra }], responseId: 'r1', modelVersion: 'gemini-2.5-flash' });

  it('text and thought deltas, a finish chunk, then the usage chunk from the last usageMetadata', () => {
    const { chunks, tail } = parseStream([
      ev([{ text: 'Hmm', thought: true }], {}),
      ev([{ text: 'Hello ' }]),
      { ...ev([{ text: 'world' }], { finishReason: 'STOP' }), usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 1, totalTokenCount: 6 } },
    ]);
    expect(chunks.map((c) => [c.choices[0].delta, c.choices[0].finish_reason])).toEqual([
      [{ role: 'assistant', content: '', reasoning_content: 'Hmm' }, null],
      [{ content: 'Hello ' }, null],
      [{ content: 'world' }, null],
      [{}, 'stop'],
    ]);
    expect(chunks.every((c) => c.id === 'chatcmpl-r1' && c.object === 'chat.completion.chunk' && c.model === 'gemini-2.5-flash')).toBe(true);
    expect(tail).toEqual([expect.objectContaining({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6, completion_tokens_details: { reasoning_tokens: 1 } } })]);
  });

  it('function calls arrive whole, as complete tool-call deltas with their index', () => {
    const { chunks } = parseStream([
      ev([{ text: 'Checking.' }]),
      ev([{ functionCall: { name: 'a', args: { x: 1 } } }, { functionCall: { name: 'b', args: {} } }]),
      ev([{ text: '' }], { finishReason: 'STOP' }),
    ]);
    expect(chunks[1].choices[0].delta.tool_calls).toEqual([
      { index: 0, id: 'call_0', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
      { index: 1, id: 'call_1', type: 'function', function: { name: 'b', arguments: '{}' } },
    ]);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });

  it('a stream that ends without finishReason does not look finished (no finish, no usage)', () => {
    const { chunks, tail } = parseStream([{ ...ev([{ text: 'partial' }]), usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }]);
    expect(chunks.some((c) => c.choices.some((ch) => ch.finish_reason))).toBe(false);
    expect(tail).toEqual([]);
  });

  it('safety blocks in a stream, and a blocked prompt', () => {
    expect(parseStream([{ candidates: [{ finishReason: 'SAFETY' }] }]).chunks.map((c) => [c.choices[0].delta, c.choices[0].finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{}, 'content_filter'],
    ]);
    const { chunks } = parseStream([{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 2, totalTokenCount: 2 } }]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: null }, finish_reason: 'content_filter' });
  });

  it('candidates of n > 1 keep their own index and role chunk', () => {
    const { chunks } = parseStream([
      { candidates: [{ content: { parts: [{ text: 'a' }] } }, { index: 1, content: { parts: [{ text: 'b' }] } }] },
      { candidates: [{ finishReason: 'STOP' }, { index: 1, finishReason: 'MAX_TOKENS' }] },
    ]);
    expect(chunks.map((c) => [c.choices[0].index, c.choices[0].delta.role ?? null, c.choices[0].finish_reason])).toEqual([
      [0, 'assistant', null], [1, 'assistant', null], [0, null, 'stop'], [1, null, 'length'],
    ]);
  });

  it('an in-band error event and a malformed event throw canonical errors', () => {
    expect(() => parseStream([{ error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }])).toThrow(RateLimitError);
    expect(() => parseStream(['{"candidates": [']).chunks).toThrow(/malformed stream event/);
  });
});

describe('errors', () => {
  const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    geminiAdapter.mapError({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) }, studio());
  const g = (code: number, status: string, message = 'm', details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } });

  it('maps Google statuses to canonical errors with retryability', () => {
    const cases: Array<[number, string, number, boolean]> = [
      [400, 'INVALID_ARGUMENT', 400, false],
      [401, 'UNAUTHENTICATED', 401, false],
      [403, 'PERMISSION_DENIED', 403, false],
      [404, 'NOT_FOUND', 404, false],
      [429, 'RESOURCE_EXHAUSTED', 429, true],
      [500, 'INTERNAL', 500, true],
      [503, 'UNAVAILABLE', 503, true],
      [504, 'DEADLINE_EXCEEDED', 504, true],
    ];
    for (const [http, status, expected, retryable] of cases) {
      const e = map(http, g(http, status, `boom ${status}`));
      expect(e).toBeInstanceOf(GatewayError);
      expect([e.status, e.retryable, e.message]).toEqual([expected, retryable, `Gemini: boom ${status}`]);
    }
  });

  it('an invalid API key (400 API_KEY_INVALID) is an authentication error; the key never shows', () => {
    const key = 'AIzaTestKey-1234567890abcdefghij';
    const e = map(400, g(400, 'INVALID_ARGUMENT', `API key not valid. Please pass a valid API key. (${key})`, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }]));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_api_key');
    expect(e.message).not.toContain(key);
  });

  it('retry delay from RetryInfo or Retry-After; JSON-array bodies; HTML bodies', () => {
    const e = map(429, g(429, 'RESOURCE_EXHAUSTED', 'quota', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' }]));
    expect([e.status, e.retryAfter, e.code]).toEqual([429, 37, 'rate_limit_exceeded']);
    expect(map(503, g(503, 'UNAVAILABLE'), { 'retry-after': '5' }).retryAfter).toBe(5);
    expect(map(400, [g(400, 'INVALID_ARGUMENT', 'in an array')]).message).toBe('Gemini: in an array');
    const html = map(404, '<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>');
    expect([html.status, html.message]).toEqual([404, 'Upstream Gemini answered HTTP 404.']);
  });
});
