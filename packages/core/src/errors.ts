import type { ErrorEnvelope } from './types/openai.js';

/**
 * What went wrong, as routing needs to know it. Adapters set it in `mapError` (from the provider's
 * own error type, never by parsing messages elsewhere); one classifier (`isRetryableKind`) derives
 * whether another attempt may succeed. Context-window and content-policy fallbacks read it.
 */
export type ErrorKind =
  | 'rate_limit'
  | 'overloaded'
  | 'timeout'
  | 'connection'
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'context_window_exceeded'
  | 'content_policy'
  | 'bad_request'
  | 'server'
  /** The client went away. */
  | 'aborted'
  /** A fault inside the gateway or a plugin. */
  | 'internal';

const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['rate_limit', 'overloaded', 'timeout', 'connection', 'server']);

/** The one classifier: may another attempt (the same deployment later, or another) succeed? */
export function isRetryableKind(kind: ErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

/** The kind an HTTP status implies when nothing more specific is known. */
export function kindFromStatus(status: number): ErrorKind {
  switch (status) {
    case 401: return 'auth';
    case 402:
    case 403: return 'permission';
    case 404: return 'not_found';
    case 408:
    case 504: return 'timeout';
    // OpenAI documents 409 as a transient conflict its SDKs retry.
    case 409: return 'server';
    case 429: return 'rate_limit';
    case 499: return 'aborted';
    case 503:
    case 529: return 'overloaded';
    default: return status >= 500 ? 'server' : 'bad_request';
  }
}

export interface GatewayErrorOptions {
  param?: string | null;
  code?: string | null;
  /** What went wrong (default: from the status). Decides retryability. */
  kind?: ErrorKind;
  /** Seconds the upstream asked us to wait. */
  retryAfter?: number;
  /** HTTP status the upstream answered with, if any. */
  upstreamStatus?: number;
  provider?: string;
  cause?: unknown;
}

/**
 * The one error hierarchy. Every failure that reaches a client is a GatewayError, so it maps to
 * OpenAI's envelope and an HTTP status without string matching. Messages never carry secrets.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly kind: ErrorKind;
  /** Seconds the upstream asked to wait; the core fills it from retry-after(-ms) headers when the adapter did not. */
  retryAfter: number | undefined;
  readonly upstreamStatus: number | undefined;
  readonly provider: string | undefined;

  constructor(status: number, type: string, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.kind = options.kind ?? kindFromStatus(status);
    this.retryAfter = options.retryAfter;
    this.upstreamStatus = options.upstreamStatus;
    this.provider = options.provider;
  }

  /** May another attempt succeed? Derived from `kind` only. */
  get retryable(): boolean {
    return isRetryableKind(this.kind);
  }

  toJSON(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export class BadRequestError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(400, 'invalid_request_error', message, options);
  }
}
export class AuthenticationError extends GatewayError {
  constructor(message = 'Invalid or missing API key.', options: GatewayErrorOptions = {}) {
    super(401, 'authentication_error', message, { code: 'invalid_api_key', ...options });
  }
}
export class PermissionDeniedError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(403, 'permission_denied', message, options);
  }
}
export class NotFoundError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(404, 'not_found', message, options);
  }
}
export class ModelNotFoundError extends GatewayError {
  constructor(model: string) {
    super(404, 'invalid_request_error', `The model \`${model}\` does not exist or you do not have access to it.`, {
      param: 'model',
      code: 'model_not_found',
    });
  }
}
export class TimeoutError extends GatewayError {
  constructor(message = 'Request timed out.', options: GatewayErrorOptions & { status?: 408 | 504 } = {}) {
    super(options.status ?? 408, 'timeout', message, { kind: 'timeout', code: 'timeout', ...options });
  }
}
export class PayloadTooLargeError extends GatewayError {
  constructor(message: string) {
    super(413, 'invalid_request_error', message, { code: 'request_too_large', kind: 'bad_request' });
  }
}
export class RateLimitError extends GatewayError {
  constructor(message = 'Rate limit reached.', options: GatewayErrorOptions = {}) {
    super(429, 'rate_limit_error', message, { kind: 'rate_limit', code: 'rate_limit_exceeded', ...options });
  }
}
export class ApiError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions & { status?: number } = {}) {
    super(options.status ?? 500, 'api_error', message, options);
  }
}
/** The client went away; nobody is listening for the answer. */
export class AbortedError extends GatewayError {
  constructor(message = 'Request aborted by the client.') {
    super(499, 'aborted', message, { code: 'client_closed_request', kind: 'aborted' });
  }
}
/** Configuration or start-up problem; never sent to a client. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Map an upstream HTTP status to the canonical error class. `message` must already be scrubbed. */
export function errorFromStatus(status: number, message: string, options: GatewayErrorOptions = {}): GatewayError {
  const o = { upstreamStatus: status, kind: kindFromStatus(status), ...options };
  switch (status) {
    case 400:
    case 422:
      return new BadRequestError(message, o);
    case 401:
      return new AuthenticationError(message, o);
    case 403:
      return new PermissionDeniedError(message, o);
    case 404:
      return new NotFoundError(message, o);
    case 408:
      return new TimeoutError(message, o);
    case 413:
      return new PayloadTooLargeError(message);
    case 429:
      return new RateLimitError(message, o);
    case 504:
      return new TimeoutError(message, { ...o, status: 504 });
    default:
      if (status >= 500) return new ApiError(message, { ...o, status: status === 500 || status === 503 ? status : 502 });
      return new GatewayError(status, 'invalid_request_error', message, o);
  }
}

const KINDS: ReadonlySet<string> = new Set<ErrorKind>(['rate_limit', 'overloaded', 'timeout', 'connection', 'auth', 'permission', 'not_found', 'context_window_exceeded', 'content_policy', 'bad_request', 'server', 'aborted', 'internal']);

function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/**
 * Anything thrown becomes a GatewayError without leaking internals to the client. Errors are
 * accepted by shape, not only by class: an Error with a numeric `status` (and optional `type`,
 * `code`, `param`, `kind`) from a plain-JS plugin, or from a second copy of @tollgate/core, keeps
 * its status and message. Anything else is a 500 "Internal gateway error" (its cause is logged).
 */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err && typeof err === 'object') {
    const o = err as { name?: unknown; status?: unknown; message?: unknown; type?: unknown; code?: unknown; param?: unknown; kind?: unknown; retryAfter?: unknown };
    if (o.name === 'AbortError') return new AbortedError();
    if (typeof o.status === 'number' && Number.isInteger(o.status) && o.status >= 400 && o.status <= 599 && typeof o.message === 'string') {
      const e = new GatewayError(o.status, typeof o.type === 'string' ? o.type : typeForStatus(o.status), o.message, {
        param: typeof o.param === 'string' ? o.param : null,
        code: typeof o.code === 'string' ? o.code : null,
        kind: typeof o.kind === 'string' && KINDS.has(o.kind) ? (o.kind as ErrorKind) : undefined,
        retryAfter: typeof o.retryAfter === 'number' ? o.retryAfter : undefined,
        cause: err,
      });
      return e;
    }
  }
  return new ApiError('Internal gateway error.', { cause: err, kind: 'internal' });
}

/** Seconds to wait from an upstream's headers: `retry-after-ms` (OpenAI, Azure) first, then `retry-after`. */
export function parseRetryAfterHeaders(headers: Record<string, string | string[] | undefined>): number | undefined {
  const ms = headers['retry-after-ms'];
  const v = Array.isArray(ms) ? ms[0] : ms;
  if (v) {
    const n = Number(v);
    if (Number.isFinite(n) && n >= 0) return n / 1000;
  }
  return parseRetryAfter(headers['retry-after']);
}

/** Remove secrets from an error's message in place (every message that leaves goes through here). */
export function scrubErrorMessage<E extends Error>(e: E, scrub: (text: string) => string): E {
  const clean = scrub(e.message);
  if (clean !== e.message) e.message = clean;
  return e;
}

/** Parse a Retry-After header (seconds or HTTP date) into seconds. */
export function parseRetryAfter(value: string | string[] | undefined | null): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
