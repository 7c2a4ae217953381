import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from './pipeline/caller.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a plugin route: anyone, any authenticated caller, or only the master key / an admin key. */
export type RouteAuth = 'public' | 'caller' | 'admin';

export interface RouteRequestContext {
  /** Path parameters (":id" segments). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The authenticated caller (anonymous for `public` routes). */
  caller: Caller;
  /** Reads and parses the JSON body (size- and depth-limited by the server). */
  readJson(): Promise<unknown>;
  /** Writes a JSON answer. */
  json(status: number, body: unknown, headers?: Record<string, string>): void;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteRequestContext) => void | Promise<void>;

export interface RouteDefinition {
  method: HttpMethod;
  /** Path with optional ":param" segments, e.g. "/key/:id/info". Served with and without "/v1". */
  path: string;
  handler: RouteHandler;
  /** Default `admin`: a route is protected unless it says otherwise. */
  auth?: RouteAuth;
  /** Owning plugin, for error messages. */
  plugin?: string;
}

/** HTTP routes plugins add to a server (an admin API, /metrics), without the core knowing them. */
export class HttpRouteRegistry {
  private readonly list: RouteDefinition[] = [];

  add(route: RouteDefinition): void {
    const clash = this.list.find((r) => r.method === route.method && r.path === route.path);
    if (clash) throw new Error(`Route ${route.method} ${route.path} is already registered${clash.plugin ? ` by ${clash.plugin}` : ''}.`);
    this.list.push(route);
  }

  all(): readonly RouteDefinition[] {
    return this.list;
  }
}
