import { errorFromStatus, parseRetryAfterHeaders, type ErrorKind, type GatewayError, type UpstreamErrorInfo } from '@tollgate/core';

/**
 * OpenAI's error `code`s (and Azure's) that say more than the status: they set the error's kind,
 * so context-window and content-policy fallbacks never read messages.
 */
const KIND_BY_CODE: Readonly<Record<string, ErrorKind>> = {
  context_length_exceeded: 'context_window_exceeded',
  string_above_max_length: 'context_window_exceeded',
  content_filter: 'content_policy',
  content_policy_violation: 'content_policy',
  ResponsibleAIPolicyViolation: 'content_policy',
  invalid_api_key: 'auth',
  // A 429 for an empty balance: waiting does not help, another deployment might.
  insufficient_quota: 'permission',
  model_not_found: 'not_found',
  DeploymentNotFound: 'not_found',
};

/**
 * OpenAI-compatible hosts without codes (vLLM, LM Studio, some clouds) say "context length" only
 * in the message: recognised here, at the edge, so nothing downstream parses messages.
 */
const CONTEXT_MESSAGE = /maximum context length|context length|context window|too many tokens|prompt is too long|reduce the length of the messages/i;

/** The status an in-stream error event implies (it has no HTTP status of its own). */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  tokens: 429,
  requests: 429,
  server_error: 500,
  api_error: 500,
  overloaded_error: 503,
};

/**
 * Map an OpenAI-format error answer (`{"error":{message,type,param,code}}`, or anything else,
 * HTML included) to a canonical error with its kind. The body reaching here is already scrubbed.
 */
export function mapOpenAIError(info: UpstreamErrorInfo, provider: string): GatewayError {
  let message = `Upstream ${provider} answered HTTP ${info.status}.`;
  let param: string | null = null;
  let code: string | null = null;
  let innerCode: string | null = null;
  const text = info.body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
      const err = parsed.error;
      if (err && typeof err === 'object') {
        const e = err as { message?: unknown; param?: unknown; code?: unknown; innererror?: { code?: unknown } };
        if (typeof e.message === 'string' && e.message) message = `${provider}: ${e.message}`;
        if (typeof e.param === 'string') param = e.param;
        if (typeof e.code === 'string' || typeof e.code === 'number') code = String(e.code);
        if (e.innererror && typeof e.innererror.code === 'string') innerCode = e.innererror.code;
      } else if (typeof err === 'string') {
        message = `${provider}: ${err}`;
      } else if (typeof parsed.message === 'string') {
        message = `${provider}: ${parsed.message}`;
      } else if (typeof parsed.detail === 'string') {
        message = `${provider}: ${parsed.detail}`;
      }
    } catch {
      // not JSON after all: keep the generic message, never the raw body
    }
  }
  let kind: ErrorKind | undefined = (innerCode && KIND_BY_CODE[innerCode]) || (code ? KIND_BY_CODE[code] : undefined);
  if (!kind && (info.status === 400 || info.status === 413) && CONTEXT_MESSAGE.test(message)) kind = 'context_window_exceeded';
  return errorFromStatus(info.status, message, { param, code, provider, retryAfter: parseRetryAfterHeaders(info.headers), ...(kind ? { kind } : {}) });
}

/** An `{"error": {...}}` event inside a 200 stream: its status comes from its type or code. */
export function mapOpenAIStreamError(error: unknown, provider: string): GatewayError {
  const e = (error && typeof error === 'object' ? error : { message: String(error) }) as { type?: unknown; code?: unknown; status?: unknown };
  const status = typeof e.status === 'number' && e.status >= 400 ? e.status : (STATUS_BY_TYPE[String(e.type)] ?? STATUS_BY_TYPE[String(e.code)] ?? 500);
  return mapOpenAIError({ status, headers: {}, body: JSON.stringify({ error }) }, provider);
}
