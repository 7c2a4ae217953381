import type { ServerResponse } from 'node:http';
import type { GatewayError } from '@tollgate/core';
import { sendJson } from '../http.js';

/** Anthropic's error `type` for an HTTP status (platform.claude.com/docs/en/api/errors). */
function typeOf(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/**
 * A canonical error in Anthropic's envelope. An upstream's 529 (overloaded) is answered as 529 again,
 * so Anthropic clients keep their own retry behaviour for it.
 */
export function anthropicErrorBody(e: GatewayError): { status: number; body: { type: 'error'; error: { type: string; message: string } } } {
  const status = e.upstreamStatus === 529 || e.code === 'overloaded' ? 529 : e.status;
  return { status, body: { type: 'error', error: { type: typeOf(status), message: e.message } } };
}

export function sendAnthropicError(res: ServerResponse, e: GatewayError, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = anthropicErrorBody(e);
  const h: Record<string, string> = { ...headers };
  if (e.retryAfter !== undefined) h['retry-after'] = String(Math.ceil(e.retryAfter));
  sendJson(res, status, body, h);
}
