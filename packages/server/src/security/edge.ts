import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { PermissionDeniedError, type Settings } from '@tollgate/core';
import { sendError } from '../http.js';
import { applyCors, corsPolicy } from './cors.js';
import { capConnections, clientLimits, httpServerOptions, type ClientLimits } from './limits.js';

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
