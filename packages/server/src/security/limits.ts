import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Settings } from '@tollgate/core';

/**
 * How long a client may take and how many sockets it may hold. Names follow nginx's
 * (`client_header_timeout`, `client_body_timeout`, `keepalive_timeout`), in seconds like every
 * other Tollgate setting.
 */
export interface ClientLimits {
  /** Time to receive a request's complete headers, from the first byte (or from the connection). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body. A streamed answer is not bounded by it. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address; 0 = no cap. */
  maxConnectionsPerClient: number;
}

export const CLIENT_LIMIT_DEFAULTS = {
  client_header_timeout: 30,
  client_body_timeout: 30,
  keepalive_timeout: 5,
  max_connections_per_client: 256,
} as const;

/** Limits from `settings` (already checked against SERVER_SETTINGS_SCHEMA), defaults filled in. */
export function clientLimits(settings: Settings): ClientLimits {
  const ms = (key: keyof typeof CLIENT_LIMIT_DEFAULTS): number => Math.round(((settings[key] as number | undefined) ?? CLIENT_LIMIT_DEFAULTS[key]) * 1000);
  const headersTimeoutMs = ms('client_header_timeout');
  return {
    headersTimeoutMs,
    // Node refuses a request timeout shorter than the headers timeout.
    requestTimeoutMs: Math.max(ms('client_body_timeout'), headersTimeoutMs),
    keepAliveTimeoutMs: ms('keepalive_timeout'),
    maxConnectionsPerClient: (settings.max_connections_per_client as number | undefined) ?? CLIENT_LIMIT_DEFAULTS.max_connections_per_client,
  };
}

/** node:http options for these limits (all explicit: `requestTimeout: 0` would also turn the headers timeout off). */
export function httpServerOptions(l: ClientLimits): ServerOptions {
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // Node checks both timeouts on this period (default 30 s, which would double the bound).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
  };
}

const TOO_MANY = JSON.stringify({ error: { message: 'Too many open connections from your address.', type: 'rate_limit_error', param: null, code: 'too_many_connections' } });

/**
 * Cap open connections per client address: one more is answered 429 and closed before any
 * request is parsed. Behind a load balancer every connection comes from its address, so the cap
 * must be raised there (or set to 0).
 */
export function capConnections(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '';
    const n = (open.get(addr) ?? 0) + 1;
    if (n > max) {
      socket.end(`HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\ncontent-length: ${TOO_MANY.length}\r\nconnection: close\r\n\r\n${TOO_MANY}`);
      socket.destroySoon();
      return;
    }
    open.set(addr, n);
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1;
      if (left <= 0) open.delete(addr);
      else open.set(addr, left);
    });
  });
}
