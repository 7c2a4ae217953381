/**
 * Provider-neutral plumbing shared by the mock upstream servers (OpenAI today,
 * Anthropic / Gemini later): listening, body reading, JSON replies, request
 * recording and one-shot fault injection.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the mock received it, kept for test assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body was JSON, the raw text otherwise, undefined when empty. */
  body: any;
}

/** A one-shot misbehaviour for the next request (see each mock for details). */
export type Fault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'malformed' }
  | { kind: 'stream-error'; afterChunks: number };

/**
 * One-shot: the next answer carries the API key the mock received inside an error message — a 401,
 * a 400, or an in-stream error event — so tests prove the gateway scrubs it before a client sees it.
 */
export type EchoKeyFault = { kind: 'echo-key'; where: 400 | 401 | 'stream' };

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), '' when absent. */
export function bearerToken(req: IncomingMessage): string {
  const h = req.headers.authorization ?? '';
  return /^bearer\s+/i.test(h) ? h.replace(/^bearer\s+/i, '') : '';
}

/**
 * Thrown by validators and routers; the server turns it into a JSON response.
 * `body` is sent as-is (JSON-encoded), so each provider keeps its own envelope.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

export const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage, limitBytes = 32 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new HttpError(413, { error: { message: 'Request body too large' } });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** `application/json; charset=utf-8` -> `application/json` ('' when absent). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Parses JSON, returning `undefined` instead of throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends a raw body, guessing the content type when the caller gave none. */
export function sendRaw(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  const guessed = tryParseJson(body).ok ? 'application/json' : body.trimStart().startsWith('<') ? 'text/html' : 'text/plain';
  res.writeHead(status, {
    ...(hasType ? {} : { 'content-type': guessed }),
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Splits a request URL into path and a flat query record (last value wins). */
export function splitUrl(rawUrl: string | undefined): { path: string; query: Record<string, string> } {
  const url = new URL(rawUrl ?? '/', 'http://mock.invalid');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the raw path when it is not valid percent-encoding
  }
  return { path, query };
}

/** Holds the one-shot fault armed by `setNext`. */
export class FaultSlot {
  private next: Fault | undefined;
  set(fault: Fault): void {
    this.next = fault;
  }
  take(): Fault | undefined {
    const f = this.next;
    this.next = undefined;
    return f;
  }
}

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 with a random port. Handler errors that are
 * `HttpError`s become their JSON response; anything else becomes a bare 500.
 */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Listening> {
  const server = http.createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendJson(res, err.status, err.body, err.headers);
      else sendJson(res, 500, { error: { message: `mock server bug: ${String(err)}`, type: 'server_error', param: null, code: null } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Read a mock's request once: its path, query, body text and parsed JSON; recorded for assertions. */
export async function receive(
  req: IncomingMessage,
  requests: RecordedRequest[],
): Promise<{ path: string; query: Record<string, string>; text: string; json: { ok: true; value: unknown } | { ok: false } | undefined }> {
  const { path, query } = splitUrl(req.url);
  const text = (await readBody(req)).toString('utf8');
  const json = text === '' ? undefined : tryParseJson(text);
  requests.push({ method: req.method ?? 'GET', path, query, headers: { ...req.headers }, body: json === undefined ? undefined : json.ok ? json.value : text });
  return { path, query, text, json };
}

/** What a test sees of a raw call to a mock: status, the body as text and as JSON when it is JSON. */
export interface RawReply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

/** POST a body (an object is JSON-encoded, a string sent as is) and read the reply whatever it is. */
export async function postRaw(url: string, body: unknown, headers: Record<string, string>): Promise<RawReply> {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}
