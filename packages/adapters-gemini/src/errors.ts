import { errorFromStatus, parseRetryAfter, scrubSecrets, type GatewayError, type UpstreamErrorInfo } from '@tollgate/core';
import type { GoogleErrorBody } from './types.js';

/** google.rpc.Code names -> HTTP status, for bodies whose HTTP status got lost (in-band errors). */
const STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** "The input token count (1234567) exceeds the maximum number of tokens allowed (1048576)." */
const CONTEXT_MESSAGE = /input token count.*exceeds|exceeds the maximum number of tokens|context window/i;

/** "37s" / "1.5s" (a google.protobuf.Duration) -> seconds. */
function durationSeconds(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v);
  return m ? Math.ceil(Number(m[1])) : undefined;
}

/**
 * Google's `{"error":{code, message, status, details}}` (also wrapped in an array, as the JSON-array
 * stream sends it) -> a canonical error. RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE and
 * DEADLINE_EXCEEDED may succeed on another attempt; an invalid API key (400 with reason
 * API_KEY_INVALID) is an authentication error. The key never reaches the message.
 */
export function mapGoogleError(info: UpstreamErrorInfo, provider: string, secrets: readonly (string | undefined)[] = []): GatewayError {
  let status = info.status;
  let message = `Upstream ${provider} answered HTTP ${info.status}.`;
  let code: string | null = null;
  let retryAfter = parseRetryAfter(info.headers['retry-after']);
  let keyInvalid = false;
  const text = info.body.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      let parsed = JSON.parse(text) as GoogleErrorBody | GoogleErrorBody[];
      if (Array.isArray(parsed)) parsed = parsed[0] ?? {};
      const e = parsed.error;
      if (e && typeof e === 'object') {
        if (typeof e.message === 'string' && e.message) message = `${provider}: ${scrubSecrets(e.message, secrets)}`;
        if (typeof e.status === 'string') {
          code = e.status.toLowerCase();
          // Only trust the body's status when the HTTP one says nothing (in-band stream errors).
          if (status < 400 && STATUS[e.status]) status = STATUS[e.status];
        } else if (status < 400 && typeof e.code === 'number' && e.code >= 400) {
          status = e.code;
        }
        for (const d of e.details ?? []) {
          if (d.reason === 'API_KEY_INVALID') keyInvalid = true;
          retryAfter ??= durationSeconds(d.retryDelay);
        }
      }
    } catch {
      // not JSON after all: the generic message, never the raw body
    }
  }
  if (keyInvalid) status = 401;
  if (status < 400) status = 500;
  // Google reports an over-long prompt only as an INVALID_ARGUMENT message.
  const kind = status === 400 && CONTEXT_MESSAGE.test(message) ? 'context_window_exceeded' as const : undefined;
  // 401 and 429 keep the OpenAI codes clients check for (invalid_api_key, rate_limit_exceeded).
  const withCode = status === 401 || status === 429 ? {} : { code };
  return errorFromStatus(status, message, { ...withCode, retryAfter, provider, upstreamStatus: info.status >= 400 ? info.status : undefined, ...(kind ? { kind } : {}) });
}
