import {
  ApiError,
  BadRequestError,
  errorFromStatus,
  parseRetryAfter,
  type GatewayError,
  type UpstreamErrorInfo,
} from '@tollgate/core';

/**
 * Ollama's words for a prompt over the context window: "the input length exceeds the context
 * length" (llm/llama_server.go, server/routes.go), "input exceeds maximum context length ...".
 */
const CONTEXT_WINDOW = /exceeds (the|maximum) context length/i;
/** Client mistakes Ollama reports as a 500 (Options.FromMap, the llama server's format check). */
const CLIENT_500 = /^(option ".+" must be of|invalid format:)/;

function errorMessageOf(body: string): string | undefined {
  const t = body.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(t) as { error?: unknown };
    return typeof parsed.error === 'string' && parsed.error ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An Ollama error answer (`{"error": "..."}`) -> a canonical error with its kind. The body reaching
 * here is already scrubbed of the key; a body that is not Ollama's JSON (gin's plain "404 page not
 * found", a proxy's HTML page) never reaches the message.
 */
export function mapOllamaError(info: UpstreamErrorInfo, provider = 'ollama'): GatewayError {
  const upstream = errorMessageOf(info.body);
  const status = info.status;
  const message = upstream ? `${provider}: ${upstream}` : `Upstream ${provider} answered HTTP ${status}.`;
  const o = { upstreamStatus: status, provider, retryAfter: parseRetryAfter(info.headers['retry-after']) };
  if (upstream && CONTEXT_WINDOW.test(upstream)) return new BadRequestError(message, { ...o, code: 'context_length_exceeded', kind: 'context_window_exceeded' });
  if (upstream && CLIENT_500.test(upstream)) return new BadRequestError(message, { ...o, kind: 'bad_request' });
  // "server busy, please try again.  maximum pending requests exceeded" (ErrMaxQueue)
  if (status === 503) return new ApiError(message, { ...o, status: 503, code: 'overloaded', kind: 'overloaded' });
  // A model that is not pulled is a 404 for the deployment, not a missing endpoint.
  if (status === 404 && upstream) return errorFromStatus(404, message, { ...o, code: 'model_not_found' });
  return errorFromStatus(status, message, o);
}

/** An `{"error": "..."}` line in a started stream: no status, so the kind comes from the message. */
export function mapOllamaStreamError(message: string, provider = 'ollama'): GatewayError {
  const text = `${provider}: ${message}`;
  if (CONTEXT_WINDOW.test(message)) return new BadRequestError(text, { provider, code: 'context_length_exceeded', kind: 'context_window_exceeded' });
  return new ApiError(text, { status: 502, kind: 'server', provider, code: 'upstream_error' });
}
