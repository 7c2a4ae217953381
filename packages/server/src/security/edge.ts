import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { compileSchema, ConfigError, describeErrors, PermissionDeniedError, type Settings } from '@tollgate/core';
import { sendError } from '../http.js';
import { applyCors, corsPolicy } from './cors.js';
import { capConnections, clientLimits, httpServerOptions, type ClientLimits } from './limits.js';

const seconds = { type: 'number', exclusiveMinimum: 0, 'x-message': 'must be a number of seconds > 0' };

/**
 * The `settings` keys the reference server owns (defaults in CLIENT_LIMIT_DEFAULTS and corsPolicy),
 * for the config's own validation and key ownership.
 */
export const SERVER_SETTINGS_SCHEMA = {
  type: 'object',
  properties: {
    client_header_timeout: seconds,
    client_body_timeout: seconds,
    keepalive_timeout: seconds,
    max_connections_per_client: { type: 'integer', minimum: 0, 'x-message': 'must be an integer >= 0 (0 = no cap)' },
    cors_allow_origins: {
      type: 'array',
      items: { type: 'string', pattern: '^(\\*|https?://[^/\\s]+)$', 'x-message': 'must be an origin (scheme://host[:port], no path) or "*"' },
    },
  },
} as const;

const checkSettings = compileSchema(SERVER_SETTINGS_SCHEMA as unknown as Record<string, unknown>);

/**
 * What the reference server checks before it routes a request: slow or greedy clients (timeouts,
 * connections per address) and browser origins (CORS). Built once from `settings`; a bad value
 * fails start-up with the key's name.
 */
export interface EdgeGuard {
  readonly limits: ClientLimits;
  /** Options for node:http's createServer. */
  readonly serverOptions: ServerOptions;
  /** Call once on the created server. */
  attach(server: Server): void;
  /** True when the request was answered here (a refused origin, a CORS preflight). */
  intercept(req: IncomingMessage, res: ServerResponse, requestId: string): boolean;
}

export function createEdgeGuard(settings: Settings): EdgeGuard {
  if (!checkSettings(settings)) throw new ConfigError(`Invalid config: ${describeErrors(checkSettings.errors, 'settings').join('; ')}`);
  const limits = clientLimits(settings);
  const cors = corsPolicy(settings);
  return {
    limits,
    serverOptions: httpServerOptions(limits),
    attach(server) {
      capConnections(server, limits.maxConnectionsPerClient);
    },
    intercept(req, res, requestId) {
      const verdict = applyCors(cors, req, res);
      if (verdict === 'preflight') return true;
      if (verdict !== 'refused') return false;
      // Refused before the body is read: a page on another origin cannot make the gateway do any work.
      res.setHeader('connection', 'close');
      sendError(res, new PermissionDeniedError(`Origin ${JSON.stringify(req.headers.origin).slice(0, 200)} is not allowed to call this gateway (settings.cors_allow_origins).`, { code: 'origin_not_allowed' }), { 'x-request-id': requestId });
      req.resume();
      return true;
    },
  };
}
