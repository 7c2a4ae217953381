import { describe, expect, it } from 'vitest';
import { mapGoogleError } from '../src/errors.js';

const map = (status: number, code: number, gstatus: string, message: string) => mapGoogleError({ status, headers: {}, body: JSON.stringify({ error: { code, message, status: gstatus } }) }, 'Gemini');

describe('Google error bodies map to kinds', () => {
  it('an INVALID_ARGUMENT token limit is context_window_exceeded', () => {
    expect(map(400, 400, 'INVALID_ARGUMENT', 'The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).')).toMatchObject({ status: 400, kind: 'context_window_exceeded', retryable: false });
    expect(map(400, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.').kind).toBe('bad_request');
  });

  it('RESOURCE_EXHAUSTED is a rate limit; 409 ABORTED is retried like every provider\'s 409; UNAVAILABLE is overloaded', () => {
    expect(map(429, 429, 'RESOURCE_EXHAUSTED', 'Quota exceeded').kind).toBe('rate_limit');
    expect(map(409, 409, 'ABORTED', 'conflict').retryable).toBe(true);
    expect(map(503, 503, 'UNAVAILABLE', 'The model is overloaded.').kind).toBe('overloaded');
    expect(map(403, 403, 'PERMISSION_DENIED', 'denied').kind).toBe('permission');
  });
});
