import type { ServerResponse } from 'node:http';
import type { GatewayError } from '@tollgate/core';
import { anthropicErrorBody } from '@tollgate/adapter-anthropic';
import { sendJson } from '../http.js';

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
