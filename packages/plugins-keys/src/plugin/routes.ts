import type { IncomingMessage } from 'node:http';
import type { Caller, Gateway, RouteRequestContext } from '@tollgate/core';
import type { KeysEngine } from '../engine.js';
import type { Principal } from '../principal.js';

/** A POST without a body is an empty object, as LiteLLM's all-optional request models take it. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/**
 * Mounts the engine's admin API (LiteLLM's paths) on the gateway's route registry. Routes LiteLLM
 * keeps for admins are `auth: 'admin'` (the server refuses other callers before the body is read);
 * routes a key may reach for its own data (`/key/info`, a team admin's `/team/member_add`, ...)
 * are `auth: 'caller'` and check inside. `/v1/...` twins are served by the server's prefix rule.
 */
export function mountAdminRoutes(gateway: Gateway, engine: KeysEngine, plugin: string, principalOf: (caller: Caller) => Principal): void {
  for (const route of engine.routes) {
    if (route.path.startsWith('/v1/')) continue;
    gateway.routes.add({
      method: route.method,
      path: route.path,
      auth: route.auth,
      plugin,
      handler: async (req: IncomingMessage, _res, rc: RouteRequestContext) => {
        const body = route.method !== 'GET' && hasBody(req) ? await rc.readJson() : {};
        const out = await engine.runRoute(route, { body, query: Object.fromEntries(rc.query), params: rc.params, caller: principalOf(rc.caller) });
        rc.json(out.status, out.body, out.headers);
      },
    });
  }
}
