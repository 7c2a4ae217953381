import {
  ApiError,
  GatewayError,
  PayloadTooLargeError,
  RateLimitError,
  TimeoutError,
  errorFromStatus,
  parseRetryAfter,
  sseEvent,
  type UpstreamErrorInfo,
} from '@tollgate/core';
import type { AnthropicErrorBody } from './types.js';

/** Anthropic's error `type` for each documented HTTP status (platform.claude.com/docs/en/api/errors). */
export const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The other way: statuses Anthropic does not document take the nearest type. */
const TYPE_BY_STATUS = new Map<number, string>([
  ...Object.entries(ERROR_TYPE_STATUS).map(([type, status]) => [status, type] as const),
  [408, 'timeout_error'],
  [422, 'invalid_request_error'],
]);

export function errorTypeOf(status: number): string {
  return TYPE_BY_STATUS.get(status) ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The code an upstream's 529 keeps once it is answered as 503 to OpenAI clients (see mapAnthropicError). */
const OVERLOADED = 'overloaded';

function parseBody(text: string): { type?: string; message?: string } {
  const t = text.trim();
  if (!t.startsWith('{')) return {};
  try {
    const parsed = JSON.parse(t) as { error?: { type?: unknown; message?: unknown } };
    const e = parsed.error;
    if (!e || typeof e !== 'object') return {};
    return {
      type: typeof e.type === 'string' ? e.type : undefined,
      message: typeof e.message === 'string' && e.message ? e.message : undefined,
    };
  } catch {
    return {};
  }
}

/** "prompt is too long: 215041 tokens > 200000 maximum", "input length and `max_tokens` exceed context limit". */
const CONTEXT_MESSAGE = /prompt is too long|exceed context limit|context window/i;

/**
 * Map an Anthropic error answer (`{"type":"error","error":{"type","message"}}`, or anything else) to a
 * canonical error. The body reaching here is already scrubbed of the key; a body that is not the
 * documented JSON envelope (an HTML page from a proxy) never reaches the message.
 */
export function mapAnthropicError(info: UpstreamErrorInfo, provider = 'anthropic'): GatewayError {
  const { type, message: upstreamMessage } = parseBody(info.body);
  const status = info.status;
  const message = upstreamMessage ? `${provider}: ${upstreamMessage}` : `Upstream ${provider} answered HTTP ${status}${type ? ` (${type})` : ''}.`;
  const retryAfter = parseRetryAfter(info.headers['retry-after']);
  const o = { upstreamStatus: status, provider, retryAfter, code: type ?? null };
  // 529 is Anthropic's own "overloaded": retryable, surfaced as a 503 so every client knows what it means.
  if (type === 'overloaded_error' || status === 529) return new ApiError(message, { ...o, status: 503, code: OVERLOADED, kind: 'overloaded' });
  if (type === 'rate_limit_error' || status === 429) return new RateLimitError(message, o);
  if (type === 'request_too_large' || status === 413) return new PayloadTooLargeError(message);
  if (type === 'timeout_error' || status === 504) return new TimeoutError(message, { ...o, status: 504 });
  if (type === 'api_error' && status < 500) return new ApiError(message, { ...o, status: 500 });
  if (type === 'billing_error' || status === 402) return new GatewayError(402, 'billing_error', message, { ...o, kind: 'permission' });
  // Anthropic reports an over-long prompt only in the message of an invalid_request_error.
  if (status === 400 && upstreamMessage && CONTEXT_MESSAGE.test(upstreamMessage)) return errorFromStatus(status, message, { ...o, kind: 'context_window_exceeded' });
  return errorFromStatus(status, message, o);
}

/** An `event: error` inside a stream carries no HTTP status: take it from the error type. */
export function mapAnthropicStreamError(data: string, provider = 'anthropic'): GatewayError {
  const { type } = parseBody(data);
  const status = (type && ERROR_TYPE_STATUS[type]) || 500;
  return mapAnthropicError({ status, headers: {}, body: data }, provider);
}

/**
 * A canonical error in Anthropic's envelope, for an Anthropic client. An upstream's 529 (overloaded)
 * is answered as 529 again, so Anthropic clients keep their own retry behaviour for it.
 */
export function anthropicErrorBody(e: GatewayError): { status: number; body: AnthropicErrorBody } {
  const status = e.upstreamStatus === 529 || e.code === OVERLOADED ? 529 : e.status;
  return { status, body: { type: 'error', error: { type: errorTypeOf(status), message: e.message } } };
}

/** A mid-stream failure as Anthropic streams it (the SDK raises it as a typed APIError). */
export function anthropicErrorEvent(e: GatewayError): string {
  return sseEvent(JSON.stringify(anthropicErrorBody(e).body), 'error');
}
