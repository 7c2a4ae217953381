import { describe, expect, it } from 'vitest';
import { mapAnthropicError, mapAnthropicStreamError } from '../src/index.js';

const map = (status: number, type: string, message: string) => mapAnthropicError({ status, headers: {}, body: JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' }) });

describe('Anthropic error bodies map to kinds', () => {
  it('"prompt is too long" is context_window_exceeded', () => {
    expect(map(400, 'invalid_request_error', 'prompt is too long: 215041 tokens > 200000 maximum')).toMatchObject({ status: 400, kind: 'context_window_exceeded', retryable: false });
    expect(map(400, 'invalid_request_error', 'input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, decrease input length or `max_tokens` and try again').kind).toBe('context_window_exceeded');
    expect(map(400, 'invalid_request_error', 'messages: roles must alternate').kind).toBe('bad_request');
  });

  it('529 overloaded is overloaded and retryable; rate limits, auth and billing have their kinds', () => {
    expect(map(529, 'overloaded_error', 'Overloaded')).toMatchObject({ status: 503, kind: 'overloaded', retryable: true });
    expect(map(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit').kind).toBe('rate_limit');
    expect(map(401, 'authentication_error', 'invalid x-api-key').kind).toBe('auth');
    expect(map(402, 'billing_error', 'Your credit balance is too low').kind).toBe('permission');
    expect(map(409, 'api_error', 'conflict').retryable).toBe(true);
  });

  it('an in-stream error event takes its kind from its type', () => {
    expect(mapAnthropicStreamError(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).kind).toBe('overloaded');
  });
});
