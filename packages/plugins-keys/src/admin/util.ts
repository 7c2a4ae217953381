import { randomUUID } from 'node:crypto';
import { nextResetAt, parseDuration } from '../duration.js';
import { GatewayError } from '@tollgate/core';
import { badRequest, proxyError, unauthorized } from '../errors.js';
import { MASTER_USER_ID, type Principal } from '../principal.js';
import type { Entity } from '../store/schema.js';
import type { AdminContext } from './context.js';

export type Body = Record<string, unknown>;

/** FastAPI answers a malformed body with 422 (LiteLLM's request models are pydantic). */
export const invalid = (message: string, param: string | null = null) => proxyError(422, 'bad_request_error', message, param);

export function body(raw: unknown): Body {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('The request body must be a JSON object.');
  return raw as Body;
}

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';
function check(b: Body, field: string, kind: Kind): unknown {
  const v = b[field];
  if (v === undefined || v === null) return v;
  const ok = kind === 'array' ? Array.isArray(v) : kind === 'object' ? typeof v === 'object' && !Array.isArray(v) : typeof v === kind;
  if (!ok) throw invalid(`${field}: must be ${kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`}`, field);
  return v;
}

export const str = (b: Body, f: string) => (check(b, f, 'string') as string | null | undefined) ?? null;
export const num = (b: Body, f: string) => (check(b, f, 'number') as number | null | undefined) ?? null;
export const bool = (b: Body, f: string) => (check(b, f, 'boolean') as boolean | null | undefined) ?? null;
export const obj = (b: Body, f: string) => (check(b, f, 'object') as Body | null | undefined) ?? null;
export const strs = (b: Body, f: string): string[] | null => {
  const v = check(b, f, 'array') as unknown[] | null | undefined;
  if (v === undefined || v === null) return null;
  if (!v.every((x) => typeof x === 'string')) throw invalid(`${f}: must be a list of strings`, f);
  return v as string[];
};

export function required(b: Body, f: string): string {
  const v = str(b, f);
  if (!v) throw invalid(`${f}: field required`, f);
  return v;
}

/** Fields present in the body (not undefined): LiteLLM's update endpoints change only those. */
export function present(b: Body, fields: readonly string[]): Body {
  const out: Body = {};
  for (const f of fields) if (b[f] !== undefined) out[f] = b[f];
  return out;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const uuid = () => randomUUID();

export function validDuration(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !parseDuration(value)) throw badRequest(`Invalid ${field}: ${String(value)}. Use e.g. "30s", "30m", "24h", "7d", "1mo".`, field);
  return value;
}

/** budget_reset_at for a budget_duration (LiteLLM's get_budget_reset_time). */
export function resetAtFor(duration: string | null, now: number): string | null {
  if (!duration) return null;
  const at = nextResetAt(duration, now);
  return at === null ? null : iso(at);
}

/** Spend as the store has it plus what this process has not written yet. */
export function withPending<T extends { spend: number }>(ctx: AdminContext, entity: Entity, id: string, record: T): T {
  const pending = ctx.spend.pending(entity, id);
  return pending ? { ...record, spend: record.spend + pending } : record;
}

export const roleOf = (p: Principal) => (p.isMaster ? 'proxy_admin' : (p.user?.user_role ?? 'internal_user'));
export const actor = (p: Principal) => p.userId ?? (p.isMaster ? MASTER_USER_ID : p.keyHash);

/** LiteLLM's route check for non-admins (litellm/proxy/auth/route_checks.py), 401. */
export function adminOnly(p: Principal, route: string): GatewayError {
  return unauthorized(`Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}. Your role=${roleOf(p)}. Your user_id=${p.userId ?? 'None'}`);
}

export function page(q: Record<string, string | undefined>, sizeName: string, defaultSize: number): { page: number; size: number } {
  const pageNo = Number(q.page ?? 1);
  const size = Number(q[sizeName] ?? defaultSize);
  if (!Number.isInteger(pageNo) || pageNo < 1) throw invalid('page: must be an integer >= 1', 'page');
  if (!Number.isInteger(size) || size < 1 || size > 100) throw invalid(`${sizeName}: must be an integer between 1 and 100`, sizeName);
  return { page: pageNo, size };
}
