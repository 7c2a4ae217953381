import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Logger, RequestContext } from '@tollgate/core';

/** Header names a plugin set with a bad value, already warned about (one log line per name). */
const warned = new Set<string>();
let logger: Logger | null = null;

/** Where dropped-header warnings go (the server's logger). */
export function setHeaderLogger(l: Logger): void {
  logger = l;
}

function valid(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The response headers of a request: who answered and what Tollgate cost, then the headers
 * plugins set. A plugin header with an invalid name or value (a newline, say) is dropped with a
 * warning — never a 500 after the upstream was paid.
 */
export function responseHeaders(ctx: RequestContext): Record<string, string> {
  const h: Record<string, string> = { 'x-request-id': ctx.id, 'x-tollgate-request-id': ctx.id, 'x-tollgate-overhead-ms': ctx.overheadMs().toFixed(2) };
  const d = ctx.deployment;
  if (d) {
    h['x-tollgate-model'] = d.params.model;
    h['x-tollgate-provider'] = d.provider;
    h['x-tollgate-deployment'] = d.id;
    h['x-tollgate-deployment-id'] = d.id;
  }
  if (ctx.attempts.length > 0) h['x-tollgate-attempts'] = String(ctx.attempts.length);
  if (ctx.fallbackGroup) h['x-tollgate-fallback'] = ctx.fallbackGroup;
  if (ctx.outcome === 'cache_hit') h['x-tollgate-cache'] = 'hit';
  if (ctx.warnings.length) h['x-tollgate-warnings'] = ctx.warnings.join('; ').replace(/[^\x20-\x7e]/g, '?').slice(0, 2000);
  for (const k in ctx.responseHeaders) {
    const v = ctx.responseHeaders[k];
    if (typeof v === 'string' && valid(k, v)) h[k] = v;
    else if (!warned.has(k)) {
      warned.add(k);
      logger?.warn({ header: k, requestId: ctx.id }, 'dropped a response header a plugin set with an invalid name or value');
    }
  }
  return h;
}
