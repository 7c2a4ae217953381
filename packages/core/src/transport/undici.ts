import { Pool, errors as undiciErrors } from 'undici';
import { AbortedError, ApiError, TimeoutError, GatewayError } from '../errors.js';
import type { AbortSource, SendOptions, Transport, UpstreamRequest, UpstreamResponse } from './types.js';

export interface UndiciTransportOptions {
  /** Max connections per upstream origin. */
  connections?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** One keep-alive undici Pool per upstream origin. */
export class UndiciTransport implements Transport {
  private readonly pools = new Map<string, Pool>();
  constructor(private readonly options: UndiciTransportOptions = {}) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections ?? 256,
        pipelining: 1,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 30_000,
        connectTimeout: this.options.connectTimeoutMs ?? 10_000,
        headersTimeout: this.options.headersTimeoutMs ?? 600_000,
        bodyTimeout: this.options.bodyTimeoutMs ?? 600_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async send(request: UpstreamRequest, options: SendOptions): Promise<UpstreamResponse> {
    const { origin, path } = splitUrl(request.url);
    const abort = options.abort ?? options.signal;
    try {
      const res = await this.pool(origin).request({
        method: request.method,
        path,
        headers: request.headers,
        body: request.body,
        signal: abort,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      });
      const body = res.body;
      return {
        status: res.statusCode,
        headers: res.headers as Record<string, string | string[] | undefined>,
        body: wrapBody(body, abort),
        text: () => body.text().catch((err: unknown) => { throw mapTransportError(err, abort); }),
        dump: () => body.dump().then(() => undefined, () => undefined),
      };
    } catch (err) {
      throw mapTransportError(err, abort);
    }
  }

  /**
   * Close the pools: in-flight upstream requests may finish for up to `graceMs`, then every
   * socket is destroyed (a pool's close() alone waits for them indefinitely).
   */
  async close(graceMs = 0): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    let timer: NodeJS.Timeout | undefined;
    const closed = Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    const deadline = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), graceMs); });
    const result = await Promise.race([closed, deadline]);
    clearTimeout(timer);
    if (result === 'late') await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

/**
 * "https://host:port/a/b?q" -> origin and path, without a URL object per request (adapters build
 * their URLs from prepared bases, so they are well formed; the URL class is used only to check an
 * odd one).
 */
export function splitUrl(url: string): { origin: string; path: string } {
  const scheme = url.indexOf('://');
  const slash = scheme === -1 ? -1 : url.indexOf('/', scheme + 3);
  if (scheme === -1 || url.includes('@', scheme) || url.includes('#')) {
    const u = new URL(url);
    return { origin: u.origin, path: u.pathname + u.search };
  }
  if (slash === -1) {
    const q = url.indexOf('?', scheme + 3);
    return q === -1 ? { origin: url, path: '/' } : { origin: url.slice(0, q), path: `/${url.slice(q)}` };
  }
  return { origin: url.slice(0, slash), path: url.slice(slash) };
}

async function* wrapBody(body: AsyncIterable<Uint8Array>, signal: Pick<AbortSource, 'aborted' | 'reason'>): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw mapTransportError(err, signal);
  }
}

/** Network failures become canonical errors; messages name no host secrets. */
export function mapTransportError(err: unknown, signal: Pick<AbortSource, 'aborted' | 'reason'>): GatewayError {
  if (err instanceof GatewayError) return err;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof GatewayError) return reason;
    return new AbortedError();
  }
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new TimeoutError('Upstream timed out.', { status: 504, cause: err });
  }
  if (err instanceof undiciErrors.ConnectTimeoutError) {
    return new TimeoutError('Timed out connecting to the upstream.', { status: 504, cause: err });
  }
  const code = (err as { code?: string } | null)?.code;
  const message =
    code === 'ECONNREFUSED' ? 'Upstream refused the connection.' :
    code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' ? 'Upstream closed the connection.' :
    'Upstream request failed.';
  return new ApiError(message, { status: 502, cause: err, code: code ?? null, kind: 'connection' });
}
