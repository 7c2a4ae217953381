import type { HttpMethod } from '@tollgate/core';
import type { Principal } from '../principal.js';

export interface AdminRequest {
  /** The parsed JSON body ({} when there is none). */
  body: unknown;
  query: Record<string, string | undefined>;
  /** ":name" segments of the path. */
  params: Record<string, string>;
  /** Who is calling, from KeysEngine.authenticate (headers only). */
  caller: Principal;
}

export interface AdminResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A framework-neutral admin route. `auth: 'admin'` routes are for the master key and proxy
 * admins only (the mounting layer refuses others with `adminOnly()`); `auth: 'caller'` routes
 * take any valid key and check inside (a key's own info, a team admin's team).
 */
export interface AdminRoute {
  method: HttpMethod;
  path: string;
  auth: 'admin' | 'caller';
  handler(req: AdminRequest): Promise<AdminResponse>;
}

export const ok = (body: unknown): AdminResponse => ({ status: 200, body });
