import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, PayloadTooLargeError, type GatewayError, type RequestContext } from '@tollgate/core';
import { assertJsonDepth } from './security/json-depth.js';

/** Read a request body up to `limit` bytes; larger bodies are refused with 413 without buffering them. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(new PayloadTooLargeError(`Request body is larger than the limit of ${limit} bytes.`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new PayloadTooLargeError(`Request body is larger than the limit of ${limit} bytes.`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) throw new BadRequestError('Request body is empty; expected a JSON object.');
  assertJsonDepth(buf);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new BadRequestError('Request body is not valid JSON.', { code: 'invalid_json' });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: GatewayError, headers?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const h: Record<string, string> = { ...headers };
  if (err.retryAfter !== undefined) h['retry-after'] = String(Math.ceil(err.retryAfter));
  // 499 is nginx's "client closed request"; the client is gone, but keep the status honest in logs.
  sendJson(res, err.status, err.toJSON(), h);
}

/** Wait until the socket can take more (backpressure), or it closes. */
export function drain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Tie the client connection to the request: a client that goes away aborts the upstream call. */
export function bindAbort(res: ServerResponse, ctx: RequestContext): void {
  res.on('close', () => {
    if (!res.writableFinished) ctx.abort();
  });
}
