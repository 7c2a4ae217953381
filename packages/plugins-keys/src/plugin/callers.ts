import { makeCaller, type Caller } from '@tollgate/core';
import { ALL_PROXY_MODELS, NO_DEFAULT_MODELS, keyModels } from '../access.js';
import type { KeysEngine } from '../engine.js';
import { teamRole, type Principal } from '../principal.js';
import type { KeyRecord } from '../types.js';

/** The model lists that restrict a principal, as LiteLLM's checks apply them (access.ts). */
function restrictingLists(p: Principal): Array<readonly string[]> {
  const lists: Array<readonly string[]> = [keyModels(p)];
  if (p.team) lists.push(p.team.models);
  else if (p.user) lists.push(p.user.models);
  if (p.organization) lists.push(p.organization.models);
  return lists.filter((l) => l.length > 0 && !l.includes('*') && !l.includes(ALL_PROXY_MODELS));
}

const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);

/**
 * Caller.models: null when nothing restricts the principal; else every name it may use among the
 * gateway's groups, the names its lists spell out and its aliases (with their targets, since the
 * plugin rewrites an alias before the core checks the model). A list with a wildcard pattern
 * ("openai/*") cannot be spelled out as names: such callers get null here and the plugin's own
 * check at STAGE_LIMITS (LiteLLM's rules, patterns included) is the gate.
 */
export function modelsOf(engine: KeysEngine, p: Principal, groups: readonly string[]): readonly string[] | null {
  if (p.isMaster) return null;
  const lists = restrictingLists(p);
  const noDefault = !p.team && p.user?.models.includes(NO_DEFAULT_MODELS) === true;
  if (lists.length === 0 && !noDefault) return null;
  if (lists.some((l) => l.some((m) => m.includes('*')))) return null;
  const aliases: Record<string, unknown> = { ...(p.team?.model_aliases ?? {}), ...(p.key?.aliases ?? {}) };
  const candidates = new Set<string>([...groups, ...lists.flat(), ...Object.keys(aliases)]);
  const allowed = new Set(engine.allowedModels(p, [...candidates]));
  for (const [alias, target] of Object.entries(aliases)) if (allowed.has(alias) && typeof target === 'string') allowed.add(target);
  return [...allowed];
}

/** The declared Caller of a virtual key (LiteLLM's UserAPIKeyAuth fields, _types.py). */
export function callerOf(p: Principal, key: KeyRecord, models: readonly string[] | null): Caller {
  return makeCaller({
    kind: 'key',
    admin: p.isAdmin,
    keyId: p.keyHash,
    keyAlias: key.key_alias,
    userId: p.userId,
    teamId: p.team?.team_id ?? null,
    organizationId: p.organization?.organization_id ?? null,
    teamRole: p.team ? teamRole(p, p.team) : null,
    models,
    limits: {
      rpm: key.rpm_limit,
      tpm: key.tpm_limit,
      maxParallel: key.max_parallel_requests,
      maxBudget: key.max_budget,
      spend: key.spend,
      budgetDuration: key.budget_duration,
    },
    guardrails: strings(key.metadata?.guardrails),
    // LiteLLM: an empty allowed_cache_controls allows every control; a list is checked per control at STAGE_LIMITS.
    cacheControls: true,
    tags: strings(key.metadata?.tags) ?? [],
  });
}

interface Entry {
  caller: Caller;
  generation: number;
}

/**
 * Callers of virtual keys, one per principal: the engine hands out the same Principal while the
 * key's records stay cached, so a request for a known key reuses its Caller (no allocation) until
 * a record is reloaded or the model list changes.
 */
export class CallerCache {
  private readonly byPrincipal = new WeakMap<Principal, Entry>();
  private readonly principals = new WeakMap<Caller, Principal>();
  private generation = 0;

  constructor(private readonly engine: KeysEngine, private groups: () => readonly string[]) {}

  /** The model list changed: every caller's models are computed again. */
  modelsChanged(): void {
    this.generation++;
  }

  callerFor(p: Principal): Caller {
    const hit = this.byPrincipal.get(p);
    if (hit && hit.generation === this.generation) return hit.caller;
    const caller = callerOf(p, p.key!, modelsOf(this.engine, p, this.groups()));
    this.byPrincipal.set(p, { caller, generation: this.generation });
    this.principals.set(caller, p);
    return caller;
  }

  /** The principal behind a virtual key's Caller (undefined for other callers). */
  principalOf(caller: Caller): Principal | undefined {
    return this.principals.get(caller);
  }
}
