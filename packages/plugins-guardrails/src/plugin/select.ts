import { ApiError, BadRequestError, type Caller, type RequestContext } from '@tollgate/core';
import { modesFor, type Guardrail } from '../guardrail.js';

/** The request header that names guardrails (comma-separated), and the response header listing those applied. */
export const HEADER = 'x-tollgate-guardrails';

/** The guardrails one request gets, by mode. Shared by every request that gets the same ones: never mutate. */
export interface Selection {
  readonly pre: readonly Guardrail[];
  readonly during: readonly Guardrail[];
  readonly post: readonly Guardrail[];
  readonly logging: readonly Guardrail[];
  /** post_call guardrails with text rules (the stream window runs them). */
  readonly scanning: readonly Guardrail[];
  /** post_call checks that need the whole answer (webhook, JSON schema, third-party), without their text rules. */
  readonly whole: readonly Guardrail[];
  /** Names of every guardrail applied, in config order (`x-tollgate-guardrails`). */
  readonly applied: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const bad = (message: string, param: string) => new BadRequestError(message, { param, code: 'invalid_guardrails' });

/**
 * The names a request asks for: body `guardrails` (a list), LiteLLM's `metadata.guardrails` (a
 * list, or its first format's `{name: true}`; `false` cannot turn a guardrail off), and the
 * `x-tollgate-guardrails` header. `metadata.guardrails` is taken out of the request (an upstream
 * would refuse it); the result says whether it was.
 */
export function requestedNames(request: Obj, headers: RequestContext['headers']): { names: string[]; changed: boolean } {
  const names: string[] = [];
  let changed = false;
  const body = request.guardrails;
  if (body !== undefined && body !== null) {
    if (!Array.isArray(body) || body.some((n) => typeof n !== 'string')) throw bad('guardrails must be a list of guardrail names.', 'guardrails');
    names.push(...(body as string[]));
  }
  const meta = request.metadata;
  if (isObject(meta) && meta.guardrails !== undefined) {
    const m = meta.guardrails;
    if (Array.isArray(m) && m.every((n) => typeof n === 'string')) names.push(...(m as string[]));
    else if (isObject(m) && Object.values(m).every((v) => typeof v === 'boolean')) names.push(...Object.keys(m).filter((k) => m[k]));
    else throw bad('metadata.guardrails must be a list of guardrail names (or {name: true}).', 'metadata.guardrails');
    const { guardrails: _, ...rest } = meta;
    if (Object.keys(rest).length) request.metadata = rest;
    else delete request.metadata;
    changed = true;
  }
  const header = headers[HEADER];
  for (const h of Array.isArray(header) ? header : header ? [header] : []) {
    for (const n of h.split(',')) if (n.trim()) names.push(n.trim());
  }
  return { names, changed };
}

/** Tags a guardrail's tag-based mode is chosen by: the caller's, and the request's (`tags`, `metadata.tags`). */
function tagsOf(request: Obj, caller: Caller): string[] {
  const out = [...caller.tags];
  for (const t of [request.tags, isObject(request.metadata) ? request.metadata.tags : undefined]) {
    if (Array.isArray(t)) for (const x of t) if (typeof x === 'string') out.push(x);
  }
  return out;
}

/**
 * Chooses the guardrails of each request: every `default_on` one, the caller's (key or team), and
 * — unless the caller is locked to its own — those the request names. A name the request gives
 * that is not configured is the client's error; one a key gives is the operator's, refused rather
 * than ignored (the key was meant to be guarded). Selections are built once per distinct choice
 * (so what is compiled per list of guardrails is reused), at most `MAX_CACHED` of them.
 */
export class Selector {
  private readonly byName: ReadonlyMap<string, Guardrail>;
  private readonly tagged: boolean;
  private readonly cache = new Map<string, Selection | null>();

  constructor(private readonly all: readonly Guardrail[]) {
    this.byName = new Map(all.map((g) => [g.name, g]));
    this.tagged = all.some((g) => g.tagModes);
  }

  /** The selection for a request, or null when no guardrail applies (the fast path). */
  select(requested: readonly string[], caller: Caller, request: Obj): Selection | null {
    const wanted = new Set<string>();
    for (const n of caller.guardrails ?? []) {
      if (!this.byName.has(n)) throw new ApiError(`This key's guardrail '${n}' is not configured on the gateway.`, { status: 500, code: 'guardrail_not_configured' });
      wanted.add(n);
    }
    if (!caller.guardrailsLocked) {
      for (const n of requested) {
        if (!this.byName.has(n)) throw bad(`Unknown guardrail '${n}'. Configured: ${[...this.byName.keys()].join(', ') || 'none'}.`, 'guardrails');
        wanted.add(n);
      }
    }
    const tags = this.tagged ? tagsOf(request, caller) : [];
    const key = `${[...wanted].sort().join(',')}|${tags.join(',')}`;
    let sel = this.cache.get(key);
    if (sel === undefined) {
      sel = build(this.all, wanted, tags);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(key, sel);
    }
    return sel;
  }
}

/** Distinct selections kept (request tags can vary without bound). */
const MAX_CACHED = 256;

function build(all: readonly Guardrail[], wanted: ReadonlySet<string>, tags: readonly string[]): Selection | null {
  const pre: Guardrail[] = [], during: Guardrail[] = [], post: Guardrail[] = [], logging: Guardrail[] = [], applied: string[] = [];
  for (const g of all) {
    if (!g.defaultOn && !wanted.has(g.name)) continue;
    const modes = modesFor(g, tags);
    if (modes.length === 0) continue;
    applied.push(g.name);
    for (const m of modes) (m === 'pre_call' ? pre : m === 'during_call' ? during : m === 'post_call' ? post : logging).push(g);
  }
  if (applied.length === 0) return null;
  return {
    pre, during, post, logging,
    scanning: post.filter((g) => g.scanner),
    whole: post.filter((g) => g.check).map((g): Guardrail => ({ ...g, scanner: undefined })),
    applied: applied.join(','),
  };
}

/** Caller facts a webhook gets, under LiteLLM's `user_api_key_*` names (never the key itself). */
export function callerFacts(caller: Caller): Record<string, string | undefined> {
  return {
    user_api_key_hash: caller.keyId ?? undefined,
    user_api_key_alias: caller.keyAlias ?? undefined,
    user_api_key_user_id: caller.userId ?? undefined,
    user_api_key_team_id: caller.teamId ?? undefined,
    user_api_key_org_id: caller.organizationId ?? undefined,
  };
}
