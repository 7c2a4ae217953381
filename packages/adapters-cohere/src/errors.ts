import {
  ApiError,
  BadRequestError,
  GatewayError,
  errorFromStatus,
  parseRetryAfter,
  type UpstreamErrorInfo,
} from '@tollgate/core';

/**
 * "too many tokens: ..." is how Cohere reports a prompt over the context window ("total number of
 * tokens in the prompt cannot exceed 4081", "size limit exceeded by 11326 tokens", "minimal context
 * could not be added to prompt"), except when it refuses `max_tokens` itself ("max tokens must be less
 * than or equal to 4096, the maximum output for this model"). Examples: docs.cohere.com/reference/errors.
 */
export function isContextWindowMessage(message: string): boolean {
  return /^too many tokens/i.test(message) && !/max tokens must be/i.test(message);
}

function messageOf(body: string): string | undefined {
  const t = body.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(t) as { message?: unknown };
    return typeof parsed.message === 'string' && parsed.message ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Cohere error answer (`{"id","message"}`, statuses per the API reference) -> a canonical error with
 * its kind. The body reaching here is already scrubbed of the key; a body that is not Cohere's JSON
 * envelope (an HTML page from a proxy) never reaches the message.
 */
export function mapCohereError(info: UpstreamErrorInfo, provider = 'cohere'): GatewayError {
  const upstream = messageOf(info.body);
  const status = info.status;
  const message = upstream ? `${provider}: ${upstream}` : `Upstream ${provider} answered HTTP ${status}.`;
  const o = { upstreamStatus: status, provider, retryAfter: parseRetryAfter(info.headers['retry-after']) };
  if (upstream && isContextWindowMessage(upstream)) return new BadRequestError(message, { ...o, code: 'context_length_exceeded', kind: 'context_window_exceeded' });
  switch (status) {
    case 402:
      return new GatewayError(402, 'billing_error', message, { ...o, kind: 'permission' });
    case 422:
      return new BadRequestError(message, { ...o, kind: 'bad_request' });
    case 498:
      // "a request or response contains a deny-listed token"
      return new BadRequestError(message, { ...o, code: 'content_policy_violation', kind: 'content_policy' });
    case 499:
      // Cohere says the request was cancelled; the client is still here, so it is Cohere's failure.
      return new ApiError(message, { ...o, status: 502, kind: 'server' });
    case 501:
      return new BadRequestError(message, { ...o, code: 'not_implemented', kind: 'bad_request' });
    case 503:
      return new ApiError(message, { ...o, status: 503, code: 'overloaded', kind: 'overloaded' });
    default:
      return errorFromStatus(status, message, o);
  }
}
