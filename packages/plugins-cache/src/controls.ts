import { BadRequestError, type RequestContext } from '@tollgate/core';

/** One request's cache controls, from the body's `cache` field and the `Cache-Control` header. */
export interface Controls {
  /** Do not answer from the cache (the answer may still be stored). */
  noCache: boolean;
  /** Do not store the answer. */
  noStore: boolean;
  /** Store with this lifetime instead of the configured one (ms). */
  ttlMs: number | null;
  /** Accept only entries at most this old (ms): `s-maxage`, `max-age`. */
  maxAgeMs: number | null;
  /** Entries of this namespace only ('' = none). */
  namespace: string;
  /** `use-cache: true` (LiteLLM's opt-in when the cache's mode is default_off). */
  useCache: boolean | null;
}

export const NO_CONTROLS: Readonly<Controls> = Object.freeze({ noCache: false, noStore: false, ttlMs: null, maxAgeMs: null, namespace: '', useCache: null });

const bad = (message: string) => new BadRequestError(message, { param: 'cache', code: 'invalid_cache_control' });

function secondsOf(v: unknown, name: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw bad(`cache.${name} must be a number of seconds (0 or more).`);
  return Math.round(n * 1000);
}

/**
 * LiteLLM's per-request controls (`cache: {"no-cache": true, "no-store": true, "ttl": 600,
 * "s-maxage": 60, "namespace": "x", "use-cache": true}`) and `Cache-Control: no-cache, no-store,
 * max-age=N` (the smaller age wins when both are given).
 */
export function readControls(body: unknown, header: string | string[] | undefined): Controls {
  if (body === undefined && header === undefined) return NO_CONTROLS;
  const c: Controls = { ...NO_CONTROLS };
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) throw bad('cache must be an object of cache controls, e.g. {"no-cache": true}.');
    const b = body as Record<string, unknown>;
    for (const k in b) {
      const v = b[k];
      switch (k) {
        case 'no-cache': c.noCache = v === true; break;
        case 'no-store': c.noStore = v === true; break;
        case 'use-cache': c.useCache = v === true; break;
        case 'ttl': c.ttlMs = secondsOf(v, k); break;
        case 's-maxage': c.maxAgeMs = secondsOf(v, k); break;
        case 'namespace':
          if (typeof v !== 'string') throw bad('cache.namespace must be a string.');
          c.namespace = v;
          break;
        default:
          throw bad(`Unknown cache control "${k}" (use no-cache, no-store, ttl, s-maxage, namespace, use-cache).`);
      }
    }
  }
  if (header !== undefined) {
    for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
      const d = part.trim().toLowerCase();
      if (d === 'no-cache') c.noCache = true;
      else if (d === 'no-store') c.noStore = true;
      else if (d.startsWith('max-age=')) {
        const n = Number(d.slice(8));
        if (Number.isFinite(n) && n >= 0) c.maxAgeMs = Math.min(c.maxAgeMs ?? Infinity, Math.round(n * 1000));
      }
    }
  }
  return c;
}

/** The request's Cache-Control header, if any. */
export function cacheControlHeader(ctx: RequestContext): string | string[] | undefined {
  return ctx.headers['cache-control'];
}
