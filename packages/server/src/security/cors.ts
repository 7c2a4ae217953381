import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Settings } from '@tollgate/core';

/**
 * Which browser origins may call the gateway (`settings.cors_allow_origins`): a list of origins
 * (`https://app.example.com`), or `["*"]` for any. Default: none. LiteLLM allows every origin
 * (FastAPI's CORSMiddleware with `allow_origins=["*"]` in its proxy_server.py); Tollgate does not,
 * because a gateway without a master key (the quick start) would then spend its operator's
 * upstream credit for any web page its users open: a `text/plain` POST needs no preflight, so
 * CORS headers alone do not stop it. Requests without an `Origin` (curl, SDKs, servers) are not
 * affected.
 */
export interface CorsPolicy {
  /** null: any origin. */
  readonly origins: ReadonlySet<string> | null;
}

/** The policy from `settings` (already checked against SERVER_SETTINGS_SCHEMA). */
export function corsPolicy(settings: Settings): CorsPolicy {
  const list = (settings.cors_allow_origins as string[] | undefined) ?? [];
  return { origins: list.includes('*') ? null : new Set(list.map((o) => o.toLowerCase())) };
}

const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const EXPOSE = 'x-request-id, x-tollgate-request-id, x-tollgate-model, x-tollgate-provider, x-tollgate-deployment-id, x-tollgate-overhead-ms, x-tollgate-attempts, x-tollgate-warnings, x-tollgate-cache, retry-after';

export type CorsVerdict = 'none' | 'allowed' | 'refused' | 'preflight';

/**
 * Check a request's Origin. An allowed origin gets its CORS headers set on `res` (they go out with
 * whatever answer follows); a preflight from one is answered here. The caller refuses the rest.
 */
export function applyCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): CorsVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return 'none';
  if (policy.origins && !policy.origins.has(origin.toLowerCase())) return 'refused';
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    const asked = req.headers['access-control-request-headers'];
    res.writeHead(204, {
      'access-control-allow-methods': ALLOW_METHODS,
      // The headers the page asked for (Anthropic and OpenAI SDKs send their own x-stainless-* set).
      ...(asked ? { 'access-control-allow-headers': asked } : {}),
      'access-control-max-age': '600',
      'content-length': '0',
    });
    res.end();
    return 'preflight';
  }
  res.setHeader('access-control-expose-headers', EXPOSE);
  return 'allowed';
}
