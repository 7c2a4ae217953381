import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GatewayError,
  NotFoundError,
  PermissionDeniedError,
  PUBLIC,
  SSE_DONE,
  sseEvent,
  toGatewayError,
  type Caller,
  type Gateway,
  type ModelList,
  type OperationSpec,
  type RequestContext,
  type ResponseStream,
  type RouteDefinition,
} from '@tollgate/core';
import { bindAbort, drain, readJson, sendError, sendJson } from './http.js';
import { createRequestLog } from './access-log.js';
import { registerAnthropicInbound } from './inbound/anthropic.js';
import { responseHeaders, setHeaderLogger } from './headers.js';
import { sendHealth, sendReadiness } from './health.js';
import { createEdgeGuard } from './security/edge.js';
import { decodePathSegment } from './security/paths.js';

export const SERVER_VERSION = '0.1.0';

export interface ServerOptions {
  /** Request body limit in bytes (default: settings.max_request_body_mb or 10 MB). */
  bodyLimit?: number;
  /**
   * Log one line per request, after it is over (default true): see access-log.ts. Message bodies
   * are in it, redacted, only with `settings.log_request_bodies: true`.
   */
  requestLog?: boolean;
}

/**
 * A handler for one inbound API, called after authentication (from headers, before any body is
 * read) with the caller. The Anthropic-format endpoint is another such handler.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse, requestId: string, caller: Caller) => Promise<void>;

/** How an inbound API writes its errors (OpenAI's envelope by default; Anthropic's for /v1/messages). */
export type ErrorWriter = (res: ServerResponse, e: GatewayError, headers: Record<string, string>) => void;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface TollgateServer {
  readonly server: Server;
  readonly gateway: Gateway;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stop accepting, drain in-flight requests, flush plugins, close upstream pools. */
  close(timeoutMs?: number): Promise<void>;
  /** Add an inbound API route (used for /v1/messages); `onError` writes its errors (auth included). */
  handle(method: string, path: string, handler: Handler, onError?: ErrorWriter): void;
}

/** Response headers describing who answered and what Tollgate cost (plugin headers validated). */
export function tollgateHeaders(ctx: RequestContext): Record<string, string> {
  return responseHeaders(ctx);
}

export interface SseOptions {
  /** Encodes an item: a chunk object, or a string of upstream events already in the client's format. */
  encode?: (item: unknown) => string;
  /** The event that ends a stream that failed after it started. */
  onError?: (e: GatewayError) => string;
  /** The last events of a complete stream (`data: [DONE]` for OpenAI; Anthropic's closing events). */
  done?: () => string;
}

const encodeOpenAI = (item: unknown): string => (typeof item === 'string' ? item : sseEvent(JSON.stringify(item)));
const doneOpenAI = (): string => SSE_DONE;

/**
 * Answer 200 with a started stream as SSE, with backpressure. Everything, the head included,
 * happens inside the try: whatever fails, the stream is settled (upstream cancelled, `account`
 * run). A failure mid-stream ends it with an error event (SDKs raise it), never a hang or a silent close.
 */
export async function writeSse(
  res: ServerResponse,
  ctx: RequestContext,
  stream: ResponseStream,
  { encode = encodeOpenAI, onError = (e) => sseEvent(JSON.stringify(e.toJSON())), done = doneOpenAI }: SseOptions = {},
): Promise<void> {
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
  try {
    res.writeHead(200, { ...tollgateHeaders(ctx), 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    cork();
    for (;;) {
      const r = await stream.next();
      if (r.done || res.destroyed) break;
      const text = encode(r.value);
      if (!text) continue;
      cork();
      wrote = true;
      if (!res.write(text)) await drain(res);
    }
    if (!res.destroyed) res.end(done());
  } catch (err) {
    const e = toGatewayError(err);
    if (!res.headersSent) sendError(res, e, tollgateHeaders(ctx));
    else if (!res.destroyed) res.end(onError(e));
  } finally {
    // Ends the stream (and the upstream) if we stopped early, or settles one never read.
    await stream.cancel();
  }
}

const truthy = (v: string | null): boolean => v !== null && v.toLowerCase() === 'true';

/**
 * `/v1/models`, with LiteLLM's `include_model_access_groups` / `only_model_access_groups`
 * (proxy_server.py, model_list): the access groups (`model_info.access_groups`) of the groups the
 * caller may use are listed as models too, or alone.
 */
export function modelList(gateway: Gateway, caller: Caller, url: string): ModelList {
  const list = gateway.models(caller);
  const q = url.indexOf('?');
  if (q === -1) return list;
  const query = new URLSearchParams(url.slice(q + 1));
  const only = truthy(query.get('only_model_access_groups'));
  if (!only && !truthy(query.get('include_model_access_groups'))) return list;
  const visible = new Set(list.data.map((m) => m.id));
  const groups = new Set<string>();
  for (const d of gateway.allDeployments()) {
    const names = d.modelInfo.access_groups;
    if (visible.has(d.modelName) && Array.isArray(names)) for (const g of names) if (typeof g === 'string') groups.add(g);
  }
  const created = Math.floor(Date.now() / 1000);
  const asModels = [...groups].map((id) => ({ id, object: 'model' as const, created, owned_by: 'openai' }));
  return { object: 'list', data: only ? asModels : [...list.data, ...asModels] };
}

export function createTollgateServer(gateway: Gateway, options: ServerOptions = {}): TollgateServer {
  const bodyLimit = options.bodyLimit ?? Math.round(((gateway.config.settings.max_request_body_mb as number | undefined) ?? 10) * 1024 * 1024);
  const log = gateway.logger;
  setHeaderLogger(log);
  const exact = new Map<string, { handler: Handler; onError: ErrorWriter }>();
  const patterned: Array<{ method: string; re: RegExp; keys: string[]; route: RouteDefinition }> = [];
  const openaiErrors: ErrorWriter = (res, e, headers) => sendError(res, e, headers);

  const handle = (method: string, path: string, handler: Handler, onError: ErrorWriter = openaiErrors): void => {
    exact.set(`${method} ${path}`, { handler, onError });
    if (!/^\/v\d\//.test(path)) exact.set(`${method} /v1${path}`, { handler, onError });
  };

  const logRequest = createRequestLog(gateway, { enabled: options.requestLog ?? true, bodies: gateway.config.settings.log_request_bodies === true });

  /** One registered operation, served over HTTP: parse, validate, run, answer (streams as SSE). */
  const operation = (spec: OperationSpec): Handler => async (req, res, requestId, caller) => {
    const body = spec.validate(await readJson(req, bodyLimit));
    const ctx = gateway.createContext(spec.name, body, { id: requestId, headers: req.headers, caller });
    bindAbort(res, ctx);
    try {
      const result = await gateway.execute(ctx, { rawEvents: true });
      if (result.kind === 'response') {
        // Same wire format and nothing rewrote the answer: the upstream's text goes out as is.
        sendJson(res, 200, ctx.rawResponseText ?? result.response, tollgateHeaders(ctx));
        return;
      }
      await writeSse(res, ctx, result.stream);
    } catch (err) {
      // The request's own line is written at `account` time, after this answer.
      sendError(res, toGatewayError(err), tollgateHeaders(ctx));
    }
  };

  const models: Handler = async (req, res, _id, caller) => sendJson(res, 200, modelList(gateway, caller, req.url ?? ''));

  const model = async (res: ServerResponse, caller: Caller, path: string): Promise<void> => {
    const id = decodePathSegment(path.replace(/^(\/v1)?\/models\//, ''));
    const m = gateway.models(caller).data.find((x) => x.id === id);
    if (!m) throw new GatewayError(404, 'invalid_request_error', `The model \`${id}\` does not exist.`, { code: 'model_not_found', param: 'model' });
    sendJson(res, 200, m);
  };

  // Inbound formats other than OpenAI's register here (see ./inbound/).
  registerAnthropicInbound({ handle }, gateway, { bodyLimit, logRequest });
  for (const spec of gateway.operations.all()) {
    if (spec.body !== 'json') continue;
    for (const p of spec.paths) handle('POST', p, operation(spec));
  }
  handle('GET', '/models', models);

  const publicPaths = new Map<string, Handler>();
  const alive: Handler = async (_req, res) => sendJson(res, 200, '"I\'m alive!"');
  for (const p of ['/health/liveliness', '/health/liveness', '/v1/health/liveliness', '/v1/health/liveness']) publicPaths.set(`GET ${p}`, alive);
  const readiness: Handler = (_req, res) => sendReadiness(res, gateway, SERVER_VERSION);
  publicPaths.set('GET /health/readiness', readiness);
  publicPaths.set('GET /v1/health/readiness', readiness);
  handle('GET', '/health', (req, res, _id, caller) => sendHealth(req, res, gateway, caller));

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
      sendError(res, new GatewayError(503, 'api_error', 'Server is shutting down.', { code: 'shutting_down', kind: 'overloaded' }), { 'x-request-id': requestId });
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const key = `${req.method} ${path}`;
    let onError = openaiErrors;
    const run = async (): Promise<void> => {
      const open = publicPaths.get(key);
      if (open) return open(req, res, requestId, PUBLIC);
      const api = exact.get(key);
      if (api) {
        onError = api.onError;
        // Authentication reads headers only: a request without a valid key never has its body read.
        const caller = await gateway.authenticate(req.headers, path);
        return api.handler(req, res, requestId, caller);
      }
      if (req.method === 'GET' && /^(\/v1)?\/models\/.+/.test(path)) return model(res, await gateway.authenticate(req.headers, path), path);
      return plugin(req, res, path, url, q, requestId);
    };
    run().catch((err: unknown) => {
      const e = toGatewayError(err);
      // Every request that ends here gets its access line; a 500 also logs its cause (scrubbed).
      logRequest.bare({ requestId, route: `${req.method} ${path}`, status: e.status, err: e });
      // Drain an unread body so the connection stays usable for the next request.
      if (!req.complete) req.resume();
      if (res.headersSent) res.destroy();
      else onError(res, e, { 'x-request-id': requestId });
    });
  });

  const plugin = async (req: IncomingMessage, res: ServerResponse, path: string, url: string, q: number, requestId: string): Promise<void> => {
    for (const p of patterned) {
      if (p.method !== req.method) continue;
      const m = p.re.exec(path);
      if (!m) continue;
      const auth = p.route.auth ?? 'admin';
      const caller = auth === 'public' ? PUBLIC : await gateway.authenticate(req.headers, path);
      if (auth === 'admin' && !caller.admin) throw new PermissionDeniedError('This route needs the master key or an admin key.', { code: 'admin_only' });
      const params: Record<string, string> = {};
      p.keys.forEach((k, i) => { params[k] = decodePathSegment(m[i + 1]); });
      res.setHeader('x-request-id', requestId);
      await p.route.handler(req, res, {
        params,
        query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
        caller,
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
    async close(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await gateway.close(timeoutMs);
      server.closeAllConnections();
      await closed;
    },
  };
}

export type { ResponseStream };
