import { GatewayError, type ErrorKind } from '@tollgate/core';

/**
 * LiteLLM's ProxyException body: OpenAI's envelope with `code` as the status in a string
 * (litellm/proxy/_types.py, ProxyException.to_dict). Statuses and `type` values follow
 * ProxyErrorTypes there.
 */
export function proxyError(status: number, type: string, message: string, param: string | null = null, kind?: ErrorKind, retryAfter?: number): GatewayError {
  return new GatewayError(status, type, message, { code: String(status), param, ...(kind ? { kind } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) });
}

export const unauthorized = (message: string, type = 'auth_error', param: string | null = null) => proxyError(401, type, message, param);
export const forbidden = (message: string, type = 'auth_error', param: string | null = null) => proxyError(403, type, message, param);
export const badRequest = (message: string, param: string | null = null) => proxyError(400, 'bad_request_error', message, param);
export const notFound = (message: string, param: string | null = null) => proxyError(404, 'not_found_error', message, param);

/** The store could not answer (database down) and nothing cached can stand in. */
export const storeUnavailable = () =>
  proxyError(503, 'no_db_connection', 'The key database is unavailable; try again shortly.', null, 'overloaded');

/** Thrown by stores when an insert hits an existing id. */
export class ConflictError extends Error {
  constructor(readonly table: string, readonly id: string) {
    super(`${table}: ${id} already exists`);
    this.name = 'ConflictError';
  }
}
