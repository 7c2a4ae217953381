/**
 * Who is calling, decided once per request by the core's authentication step (master key, or a
 * keys plugin tapping `authenticate`) before the body is read. Every field is declared here, so
 * limits, budgets, guardrails and logs read one shape; a plugin keeps richer state of its own
 * (a WeakMap keyed by the Caller, or a request slot).
 */
export interface Caller {
  readonly kind: 'anonymous' | 'master' | 'key' | 'internal';
  /** May call admin routes (master key, an admin key, or anyone when auth is off). */
  readonly admin: boolean;
  /** Stable id of the credential (a key hash or key id), never the key itself. */
  readonly keyId: string | null;
  readonly keyAlias: string | null;
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly organizationId: string | null;
  /** The team role when the caller acts for a team ('admin' may manage it). */
  readonly teamRole: 'admin' | 'user' | null;
  /** Model groups this caller may use (key ∩ team ∩ organization); null = all. */
  readonly models: readonly string[] | null;
  readonly limits: CallerLimits;
  /** Guardrails this caller's requests always get; null = the defaults. */
  readonly guardrails: readonly string[] | null;
  /** Only the caller's own guardrails apply; per-request choices are ignored. */
  readonly guardrailsLocked: boolean;
  /** May the caller use per-request cache controls (`cache: {...}`, Cache-Control)? */
  readonly cacheControls: boolean;
  /** Tags for routing, logs and spend reports. */
  readonly tags: readonly string[];
}

export interface CallerLimits {
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
  /** USD. */
  maxBudget: number | null;
  /** Spend so far in the current budget window, USD. */
  spend: number;
  /** LiteLLM's budget_duration string ("30d", "1mo"), or null. */
  budgetDuration: string | null;
}

const NO_LIMITS: CallerLimits = Object.freeze({ rpm: null, tpm: null, maxParallel: null, maxBudget: null, spend: 0, budgetDuration: null });

/** A full Caller from the fields you know; everything else takes the neutral default. */
export function makeCaller(fields: Partial<Caller> & Pick<Caller, 'kind'>): Caller {
  return Object.freeze({
    admin: false,
    keyId: null,
    keyAlias: null,
    userId: null,
    teamId: null,
    organizationId: null,
    teamRole: null,
    models: null,
    limits: NO_LIMITS,
    guardrails: null,
    guardrailsLocked: false,
    cacheControls: true,
    tags: [],
    ...fields,
  });
}

/** No authentication configured: anyone may call, admin routes included (start-up warns). */
export const ANONYMOUS: Caller = makeCaller({ kind: 'anonymous', admin: true });
/** The caller of a public route: nobody in particular, and no admin. */
export const PUBLIC: Caller = makeCaller({ kind: 'anonymous', admin: false });
/** The master key. */
export const MASTER: Caller = makeCaller({ kind: 'master', admin: true, keyId: 'master', keyAlias: 'master_key' });
/** The gateway calling itself (a semantic cache embedding a prompt, a health probe). */
export const INTERNAL: Caller = makeCaller({ kind: 'internal', admin: false, keyId: 'internal', keyAlias: 'internal' });

/** May this caller use model group `group`? */
export function mayUseModel(caller: Caller, group: string): boolean {
  return caller.models === null || caller.models.includes(group);
}
