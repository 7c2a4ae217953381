import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, STAGE_AUTH, type Plugin, type RequestContext } from '@tollgate/core';

/** The bearer key of a request: `Authorization: Bearer <key>`, or `x-api-key` / `api-key` (Anthropic, Azure clients). */
export function presentedKey(headers: RequestContext['headers']): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const x = headers['x-api-key'] ?? headers['api-key'];
  return typeof x === 'string' ? x : undefined;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * `settings.master_key` (LiteLLM's `general_settings.master_key`): when set, every request must
 * present it. A keys plugin that taps at STAGE_AUTH earlier and sets `ctx.caller` takes over.
 */
export function masterKeyAuth(masterKey: string): Plugin {
  const expected = digest(masterKey);
  return {
    name: 'tollgate:master-key',
    apply(gateway) {
      gateway.hooks.preRoute.tapPromise({ name: 'tollgate:master-key', stage: STAGE_AUTH + 50 }, async (_req, ctx) => {
        if (ctx.caller) return undefined;
        const key = presentedKey(ctx.headers);
        if (!key || !timingSafeEqual(digest(key), expected)) {
          return { reject: new AuthenticationError(key ? 'Invalid API key.' : 'Missing API key: send "Authorization: Bearer <key>".') };
        }
        ctx.caller = { keyId: 'master', keyAlias: 'master_key', userId: null, teamId: null, models: null, metadata: {} };
        return undefined;
      });
    },
  };
}

/** For plugin routes (admin API): is this the master key? */
export function isMasterKey(masterKey: string | undefined, headers: RequestContext['headers']): boolean {
  if (!masterKey) return true;
  const key = presentedKey(headers);
  return !!key && timingSafeEqual(digest(key), digest(masterKey));
}
