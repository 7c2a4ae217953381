import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  GatewayError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  errorFromStatus,
  parseRetryAfter,
  type UpstreamErrorInfo,
} from '@tollgate/core';

/**
 * Bedrock's context-window refusals (ValidationException), as the AWS Strands SDK lists them
 * (strands-agents/sdk-python src/strands/models/bedrock.py BEDROCK_CONTEXT_WINDOW_OVERFLOW_MESSAGES)
 * plus Claude's own text relayed as "The model returned the following errors: prompt is too long: ...".
 */
const CONTEXT_WINDOW = /input is too long for requested model|input length and `?max_tokens`? exceed context limit|too many total text bytes|prompt is too long/i;
/** Bedrock API key refusals come as 403 bodies without a distinct type (`{"Message": ...}`). */
const BAD_API_KEY = /^(authentication failed: please make sure your api key is valid|invalid api key format)/i;
/** Errors AWS answers for credentials it does not accept (AWS common errors): an auth problem, not a permission one. */
const AUTH_TYPES = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'MissingAuthenticationTokenException', 'ExpiredTokenException', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/** The error type: `x-amzn-ErrorType` ("ValidationException:http://internal.amazon.com/..."), or `__type` in the body. */
function errorType(info: UpstreamErrorInfo, body: Record<string, unknown>): string | undefined {
  const raw = info.headers['x-amzn-errortype'];
  const h = Array.isArray(raw) ? raw[0] : raw;
  const t = h ?? (typeof body.__type === 'string' ? body.__type : typeof body.code === 'string' ? body.code : undefined);
  if (!t) return undefined;
  // "Type:namespace-url" (REST) or "namespace#Type" (JSON protocols).
  return t.split(':')[0].split('#').pop();
}

function parse(text: string): Record<string, unknown> {
  const t = text.trim();
  if (!t.startsWith('{')) return {};
  try {
    const v = JSON.parse(t) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A Bedrock error answer -> a canonical error with its kind. ThrottlingException (and its
 * relatives) -> 429 rate_limit; ValidationException -> 400, context_window_exceeded when it says the
 * prompt is too long; AccessDeniedException -> 403 permission, except a refused API key -> 401;
 * refused or expired AWS credentials -> 401 auth; ModelTimeoutException -> 408; ServiceUnavailable
 * -> 503 overloaded; InternalServer / ModelError / ModelStreamError -> 5xx server. The message is
 * Bedrock's own; the core scrubs the deployment's credentials from it, in HTTP answers and stream
 * exceptions alike.
 */
export function mapBedrockError(info: UpstreamErrorInfo): GatewayError {
  const body = parse(info.body);
  const type = errorType(info, body);
  const rawMessage = typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : '';
  const text = rawMessage;
  const message = text ? `Bedrock: ${text}` : `Upstream Bedrock answered HTTP ${info.status}${type ? ` (${type})` : ''}.`;
  // 401 and 429 keep the OpenAI codes clients look for (invalid_api_key, rate_limit_exceeded).
  const base = { upstreamStatus: info.status >= 400 ? info.status : undefined, provider: 'bedrock', retryAfter: parseRetryAfter(info.headers['retry-after']) };
  const o = { ...base, code: type ?? null };
  switch (type) {
    case 'ThrottlingException':
    case 'ModelNotReadyException':
    case 'ServiceQuotaExceededException':
      return new RateLimitError(message, base);
    case 'ValidationException':
      if (CONTEXT_WINDOW.test(text)) return new BadRequestError(message, { ...o, code: 'context_length_exceeded', kind: 'context_window_exceeded' });
      return new BadRequestError(message, o);
    case 'AccessDeniedException':
      if (BAD_API_KEY.test(text)) return new AuthenticationError(message, base);
      return new PermissionDeniedError(message, o);
    case 'ResourceNotFoundException':
      return new NotFoundError(message, o);
    case 'ModelTimeoutException':
      return new TimeoutError(message, o);
    case 'ServiceUnavailableException':
      return new ApiError(message, { ...o, status: 503, kind: 'overloaded' });
    case 'InternalServerException':
      return new ApiError(message, { ...o, status: 500, kind: 'server' });
    case 'ModelErrorException':
    case 'ModelStreamErrorException':
      return new ApiError(message, { ...o, status: 502, kind: 'server' });
    case 'ConflictException':
      return new BadRequestError(message, o);
    default:
      if (type && AUTH_TYPES.has(type)) return new AuthenticationError(message, base);
      if (info.status === 403 && BAD_API_KEY.test(text)) return new AuthenticationError(message, base);
      return errorFromStatus(info.status >= 400 ? info.status : 500, message, o);
  }
}

/** In-stream exception types are the member names of ConverseStreamOutput ("throttlingException"). */
export function mapBedrockStreamException(exceptionType: string, payload: string): GatewayError {
  const type = exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1);
  return mapBedrockError({ status: 200, headers: { 'x-amzn-errortype': type }, body: payload });
}
