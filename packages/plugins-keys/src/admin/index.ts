import { toGatewayError } from '@tollgate/core';
import type { Principal } from '../principal.js';
import { budgetRoutes } from './budgets.js';
import type { AdminContext } from './context.js';
import { customerRoutes } from './customers.js';
import { keyRoutes } from './keys.js';
import { modelRoutes } from './models.js';
import { organizationRoutes } from './organizations.js';
import type { AdminResponse, AdminRoute } from './route.js';
import { spendRoutes } from './spend.js';
import { teamRoutes } from './teams.js';
import { userRoutes } from './users.js';
import { adminOnly } from './util.js';

export function adminRoutes(ctx: AdminContext): AdminRoute[] {
  return [
    ...keyRoutes(ctx),
    ...teamRoutes(ctx),
    ...userRoutes(ctx),
    ...organizationRoutes(ctx),
    ...customerRoutes(ctx),
    ...budgetRoutes(ctx),
    ...spendRoutes(ctx),
    ...modelRoutes(ctx),
  ];
}

interface Compiled {
  route: AdminRoute;
  pattern: RegExp;
  names: string[];
}

/** Finds and runs the route for a request; errors become LiteLLM's envelope with their status. */
export class AdminRouter {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly AdminRoute[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/[.]/g, '\\.').replace(/:(\w+)/g, (_m, name: string) => (names.push(name), '([^/]+)'));
      return { route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  match(method: string, path: string): { route: AdminRoute; params: Record<string, string> } | null {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.pattern.exec(path);
      if (m) return { route: c.route, params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    }
    return null;
  }

  async run(route: AdminRoute, req: { body: unknown; query: Record<string, string | undefined>; params: Record<string, string>; caller: Principal }): Promise<AdminResponse> {
    try {
      if (route.auth === 'admin' && !req.caller.isAdmin) throw adminOnly(req.caller, route.path);
      return await route.handler(req);
    } catch (err) {
      const e = toGatewayError(err);
      return { status: e.status, body: e.toJSON(), ...(e.retryAfter !== undefined ? { headers: { 'retry-after': String(Math.ceil(e.retryAfter)) } } : {}) };
    }
  }
}
