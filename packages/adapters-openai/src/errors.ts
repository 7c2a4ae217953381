import { errorFromStatus, parseRetryAfter, type GatewayError, type UpstreamErrorInfo } from '@tollgate/core';

/**
 * Map an OpenAI-format error answer (`{"error":{message,type,param,code}}`, or anything else,
 * HTML included) to a canonical error. The body reaching here is already scrubbed of the key.
 */
export function mapOpenAIError(info: UpstreamErrorInfo, provider: string): GatewayError {
  let message = `Upstream ${provider} answered HTTP ${info.status}.`;
  let param: string | null = null;
  let code: string | null = null;
  const text = info.body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
      const err = parsed.error;
      if (err && typeof err === 'object') {
        const e = err as { message?: unknown; param?: unknown; code?: unknown };
        if (typeof e.message === 'string' && e.message) message = `${provider}: ${e.message}`;
        if (typeof e.param === 'string') param = e.param;
        if (typeof e.code === 'string' || typeof e.code === 'number') code = String(e.code);
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
  const retryAfter = parseRetryAfter(info.headers['retry-after']) ?? retryAfterMs(info.headers['retry-after-ms']);
  return errorFromStatus(info.status, message, { param, code, retryAfter, provider });
}

function retryAfterMs(v: string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v !== undefined && Number.isFinite(n) ? n / 1000 : undefined;
}
