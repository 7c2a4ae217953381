import { describe, expect, it } from 'vitest';
import { mapOpenAIError, mapOpenAIStreamError } from '../src/errors.js';

const map = (status: number, error: unknown, headers: Record<string, string> = {}) => mapOpenAIError({ status, headers, body: JSON.stringify({ error }) }, 'openai');

describe('OpenAI and Azure error bodies map to kinds', () => {
  it('context_length_exceeded is context_window_exceeded, not retryable', () => {
    const e = map(400, { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' });
    expect([e.status, e.kind, e.retryable]).toEqual([400, 'context_window_exceeded', false]);
  });

  it('a host without codes that says so in the message is context_window_exceeded too (vLLM)', () => {
    const e = map(400, { message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens in the messages.", type: 'BadRequestError', param: null, code: 400 });
    expect(e.kind).toBe('context_window_exceeded');
  });

  it("Azure's content filter is content_policy", () => {
    const e = map(400, {
      message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
      type: null,
      param: 'prompt',
      code: 'content_filter',
      status: 400,
      innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'high' } } },
    });
    expect([e.status, e.kind]).toEqual([400, 'content_policy']);
  });

  it('a 429 for an empty balance is not retried like a rate limit', () => {
    expect(map(429, { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' }).kind).toBe('permission');
    const limited = map(429, { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' }, { 'retry-after': '2' });
    expect([limited.kind, limited.retryable, limited.retryAfter]).toEqual(['rate_limit', true, 2]);
  });

  it('statuses the core classifies the same for every provider: 401 auth, 404 not_found, 409 server (retried), 5xx server, 503 overloaded', () => {
    expect(map(401, { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' }).kind).toBe('auth');
    expect(map(404, { message: 'The model `x` does not exist', type: 'invalid_request_error', code: 'model_not_found' }).kind).toBe('not_found');
    expect(map(409, { message: 'conflict', type: 'server_error' }).retryable).toBe(true);
    expect(map(500, { message: 'boom', type: 'server_error' }).kind).toBe('server');
    expect(map(503, { message: 'busy', type: 'server_error' }).kind).toBe('overloaded');
  });

  it('an in-stream error takes its status from its type', () => {
    expect(mapOpenAIStreamError({ message: 'The server had an error', type: 'server_error' }, 'openai')).toMatchObject({ status: 500, kind: 'server' });
    expect(mapOpenAIStreamError({ message: 'Rate limit', type: 'rate_limit_error' }, 'openai')).toMatchObject({ status: 429, kind: 'rate_limit' });
  });
});
