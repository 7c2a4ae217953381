import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GatewayError,
  NotFoundError,
  SSE_DONE,
  toGatewayError,
  type Gateway,
  type RequestContext,
  type RouteDefinition,
  type StreamItem,
} from '@tollgate/core';
import { bindAbort, drain, readJson, sendError, sendJson } from './http.js';
import { validateChat, validateEmbeddings } from './validate.js';
import { isMasterKey } from './auth.js';
import { createRequestLog } from './access-log.js';
import { registerAnthropicInbound } from './inbound/anthropic.js';
import { createEdgeGuard } from './security/edge.js';
import { decodePathSegment } from './security/paths.js';

export const SERVER_VERSION = '0.1.0';

export interface ServerOptions {
  /** Request body limit in bytes (default: settings.max_request_body_mb or 10 MB). */
  bodyLimit?: number;
  /** Log one line per request (default true). */
  requestLog?: boolean;
}

/** A handler for one inbound API; the Anthropic-format endpoint is another such handler. */
export type Handler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface TollgateServer {
  readonly server: Server;
  readonly gateway: Gateway;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stop accepting, drain in-flight requests, flush plugins, close upstream pools. */
  close(timeoutMs?: number): Promise<void>;
  /** Add an inbound API route (used for /v1/messages). */
  handle(method: string, path: string, handler: Handler): void;
}

/** Response headers describing who answered and what Tollgate cost. */
export function tollgateHeaders(ctx: RequestContext): Record<string, string> {
  const h: Record<string, string> = { 'x-request-id': ctx.id, 'x-tollgate-request-id': ctx.id, 'x-tollgate-overhead-ms': ctx.overheadMs().toFixed(2) };
  const d = ctx.deployment;
  if (d) {
    h['x-tollgate-model'] = d.params.model;
    h['x-tollgate-provider'] = d.provider;
    h['x-tollgate-deployment-id'] = d.id;
  }
  if (ctx.attempts.length > 1) h['x-tollgate-attempts'] = String(ctx.attempts.length);
  if (ctx.outcome === 'cache_hit') h['x-tollgate-cache'] = 'hit';
  if (ctx.warnings.length) h['x-tollgate-warnings'] = ctx.warnings.join('; ').replace(/[^\x20-\x7e]/g, '?').slice(0, 2000);
  for (const k in ctx.responseHeaders) h[k] = ctx.responseHeaders[k];
  return h;
}

export interface SseOptions {
  /** Encodes a chunk object (string items are already-encoded upstream events). */
  encode?: (item: Exclude<StreamItem, string>) => string;
  /** The event that ends a stream that failed after it started. */
  onError?: (e: GatewayError) => string;
  /** The last event of a complete stream (`data: [DONE]` for OpenAI, none for Anthropic). */
  done?: string;
}

/**
 * Answer 200 with a started stream as SSE, with backpressure. A failure mid-stream ends it with an
 * error event (OpenAI SDKs raise it as an APIError), never a hang or a silent close.
 */
export async function writeSse(
  res: ServerResponse,
  ctx: RequestContext,
  stream: AsyncGenerator<StreamItem, void, undefined>,
  { encode = (c) => `data: ${JSON.stringify(c)}\n\n`, onError = (e) => `data: ${JSON.stringify(e.toJSON())}\n\n`, done = SSE_DONE }: SseOptions = {},
): Promise<void> {
  res.writeHead(200, { ...tollgateHeaders(ctx), 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Events parsed from one upstream read arrive in one run of microtasks: the socket is corked at
  // the first and uncorked on the next tick, so they leave in one write with the headers, not one
  // syscall each. Headers with no event ready yet still go out on that tick.
  let corked = false;
  let wrote = false;
  const uncork = (): void => {
    corked = false;
    if (res.writableEnded) return;
    if (!wrote) res.flushHeaders();
    res.uncork();
  };
  const cork = (): void => {
    if (corked) return;
    corked = true;
    res.cork();
    process.nextTick(uncork);
  };
  cork();
  try {
    for await (const item of stream) {
      if (res.destroyed) break;
      cork();
      wrote = true;
      if (!res.write(typeof item === 'string' ? item : encode(item))) await drain(res);
    }
    if (!res.destroyed) res.end(done);
  } catch (err) {
    if (!res.destroyed) res.end(onError(toGatewayError(err)));
  } finally {
    // Ends the generator (and the upstream) if we stopped early.
    await stream.return(undefined);
  }
}

export function createTollgateServer(gateway: Gateway, options: ServerOptions = {}): TollgateServer {
  const bodyLimit = options.bodyLimit ?? Math.round(((gateway.config.settings.max_request_body_mb as number | undefined) ?? 10) * 1024 * 1024);
  const requestLog = options.requestLog ?? true;
  const masterKey = gateway.config.settings.master_key;
  const exact = new Map<string, Handler>();
  const patterned: Array<{ method: string; re: RegExp; keys: string[]; route: RouteDefinition }> = [];

  const handle = (method: string, path: string, handler: Handler): void => {
    exact.set(`${method} ${path}`, handler);
    if (!path.startsWith('/v1/')) exact.set(`${method} /v1${path}`, handler);
  };

  const logRequest = createRequestLog(gateway, requestLog);

  const chat: Handler = async (req, res, requestId) => {
    const body = validateChat(await readJson(req, bodyLimit));
    const ctx = gateway.createContext('chat', body, { id: requestId, headers: req.headers });
    bindAbort(res, ctx);
    try {
      const result = await gateway.execute(ctx, { passThrough: true });
      if (result.kind === 'response') {
        // Same wire format and nothing rewrote the answer: the upstream's text goes out as is.
        sendJson(res, 200, ctx.rawResponseText ?? result.response, tollgateHeaders(ctx));
        logRequest(ctx, 200);
        return;
      }
      await writeSse(res, ctx, result.stream);
      logRequest(ctx, 200);
    } catch (err) {
      const e = toGatewayError(err);
      sendError(res, e, tollgateHeaders(ctx));
      logRequest(ctx, e.status);
    }
  };

  const embeddings: Handler = async (req, res, requestId) => {
    const body = validateEmbeddings(await readJson(req, bodyLimit));
    const ctx = gateway.createContext('embeddings', body, { id: requestId, headers: req.headers });
    bindAbort(res, ctx);
    try {
      const result = await gateway.execute(ctx);
      sendJson(res, 200, (result as { response: unknown }).response, tollgateHeaders(ctx));
      logRequest(ctx, 200);
    } catch (err) {
      const e = toGatewayError(err);
      sendError(res, e, tollgateHeaders(ctx));
      logRequest(ctx, e.status);
    }
  };

  const models: Handler = async (req, res) => {
    if (!isMasterKey(masterKey, req.headers)) throw new GatewayError(401, 'authentication_error', 'Invalid or missing API key.', { code: 'invalid_api_key' });
    sendJson(res, 200, gateway.models());
  };

  const model: Handler = async (req, res) => {
    if (!isMasterKey(masterKey, req.headers)) throw new GatewayError(401, 'authentication_error', 'Invalid or missing API key.', { code: 'invalid_api_key' });
    const id = decodePathSegment((req.url ?? '').split('?')[0].replace(/^(\/v1)?\/models\//, ''));
    const m = gateway.models().data.find((x) => x.id === id);
    if (!m) throw new GatewayError(404, 'invalid_request_error', `The model \`${id}\` does not exist.`, { code: 'model_not_found', param: 'model' });
    sendJson(res, 200, m);
  };

  // Inbound formats other than OpenAI's register here (see ./inbound/).
  registerAnthropicInbound({ handle }, gateway, { bodyLimit, logRequest });
  handle('POST', '/chat/completions', chat);
  handle('POST', '/embeddings', embeddings);
  handle('GET', '/models', models);
  const alive: Handler = async (_req, res) => sendJson(res, 200, '"I\'m alive!"');
  handle('GET', '/health/liveliness', alive);
  handle('GET', '/health/liveness', alive);
  handle('GET', '/health/readiness', async (_req, res) => {
    sendJson(res, 200, { status: 'healthy', version: SERVER_VERSION, models: gateway.models().data.length, in_flight: gateway.activeRequests });
  });

  for (const route of gateway.routes.all()) {
    const keys: string[] = [];
    const re = new RegExp(`^(?:/v1)?${route.path.replace(/:([A-Za-z_]+)/g, (_, k: string) => { keys.push(k); return '([^/]+)'; })}$`);
    patterned.push({ method: route.method, re, keys, route });
  }

  let draining = false;
  // security/edge.ts: client timeouts, connections per address, CORS (issue #22 items 3 and 7).
  const edge = createEdgeGuard(gateway.config.settings);
  const server = createServer(edge.serverOptions, (req, res) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : gatewayId();
    if (edge.intercept(req, res, requestId)) return;
    if (draining) {
      res.setHeader('connection', 'close');
      sendError(res, new GatewayError(503, 'api_error', 'Server is shutting down.', { code: 'shutting_down' }), { 'x-request-id': requestId });
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const handler = exact.get(`${req.method} ${path}`) ?? (path.length > 1 && path.endsWith('/') ? exact.get(`${req.method} ${path.slice(0, -1)}`) : undefined);
    let run: Promise<void>;
    if (handler) run = handler(req, res, requestId);
    else if (req.method === 'GET' && /^(\/v1)?\/models\/.+/.test(path)) run = model(req, res, requestId);
    else run = plugin(req, res, path, url, q, requestId);
    run.catch((err: unknown) => {
      const e = toGatewayError(err);
      logRequest.bare({ requestId, route: `${req.method} ${path}`, status: e.status, err: e });
      sendError(res, e, { 'x-request-id': requestId });
    });
  });

  const plugin = async (req: IncomingMessage, res: ServerResponse, path: string, url: string, q: number, requestId: string): Promise<void> => {
    for (const p of patterned) {
      if (p.method !== req.method) continue;
      const m = p.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      p.keys.forEach((k, i) => { params[k] = decodePathSegment(m[i + 1]); });
      res.setHeader('x-request-id', requestId);
      await p.route.handler(req, res, {
        params,
        query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
        readJson: () => readJson(req, bodyLimit),
        json: (status, body, headers) => sendJson(res, status, body, headers),
      });
      return;
    }
    throw new NotFoundError(`No route for ${req.method} ${path}.`, { code: 'route_not_found' });
  };

  edge.attach(server);

  let idSeq = 0;
  const prefix = `tg-${process.pid.toString(36)}-${Date.now().toString(36)}-`;
  function gatewayId(): string {
    idSeq = (idSeq + 1) | 0;
    return prefix + (idSeq >>> 0).toString(36);
  }

  return {
    server,
    gateway,
    handle,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(timeoutMs = 30_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await gateway.close(timeoutMs);
      server.closeAllConnections();
      await closed;
    },
  };
}
