import type { GatewayError, SharedState, WindowCount } from '@tollgate/core';
import { currentResetAt } from './duration.js';
import { proxyError } from './errors.js';
import type { Principal } from './principal.js';
import { pyFloat } from './pyfmt.js';
import type { SpendWriter } from './spend.js';
import type { Entity } from './store/schema.js';
import type { BudgetRecord, EndUserRecord, UserRecord } from './types.js';

/** One thing with a budget or limits: the key, its user, team, team membership, organization, or the end user. */
export interface Scope {
  kind: 'key' | 'user' | 'team' | 'member' | 'organization' | 'end_user' | 'proxy';
  /** Store id (the key hash, team_id, "team\nuser" for a membership, ...). */
  id: string;
  entity: Entity;
  /** Spend in the store (from the cached record). */
  spend: number;
  maxBudget: number | null;
  budgetDuration: string | null;
  resetAt: number | null;
  /** False for a user's budget under a team key (LiteLLM checks a user's budget on personal keys only). */
  enforceBudget: boolean;
  rpm: number | null;
  tpm: number | null;
  parallel: number | null;
  /** Built on first use and kept with the scope (scopes of a cached principal are reused). */
  keys?: ScopeKeys;
}

interface ScopeKeys {
  rpm: string;
  tpm: string;
  parallel: string;
  /** The current budget window, until it ends. */
  window: BudgetWindow | null;
}

interface BudgetWindow {
  key: string;
  endsAt: number;
  rolled: boolean;
}

function keysOf(s: Scope): ScopeKeys {
  const base = `${s.kind}:${s.id}`;
  return (s.keys ??= { rpm: `tgk:rpm:${base}`, tpm: `tgk:tpm:${base}`, parallel: `tgk:parallel:${base}`, window: null });
}

const NANO = 1e9;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** A slot held by a request that never finished (process died) frees itself after this. */
const LEASE_MS = 10 * MINUTE;
/** LiteLLM's descriptor names in its 429 messages (parallel_request_limiter_v3.py). */
const DESCRIPTOR: Record<Scope['kind'], string> = { key: 'api_key', user: 'user', team: 'team', member: 'team_member', organization: 'organization', end_user: 'end_user', proxy: 'proxy' };

const toMs = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);

export function budgetFields(b: BudgetRecord | null) {
  return {
    maxBudget: b?.max_budget ?? null,
    budgetDuration: b?.budget_duration ?? null,
    resetAt: toMs(b?.budget_reset_at),
    rpm: b?.rpm_limit ?? null,
    tpm: b?.tpm_limit ?? null,
    parallel: b?.max_parallel_requests ?? null,
  };
}

/** Every scope of a request, as LiteLLM's auth checks and rate limiter see them. */
export function scopesOf(p: Principal, endUser: EndUserRecord | null, endUserBudget: BudgetRecord | null): Scope[] {
  const out: Scope[] = [];
  const own = (r: { max_budget: number | null; budget_duration: string | null; budget_reset_at: string | null; rpm_limit: number | null; tpm_limit: number | null; max_parallel_requests: number | null }) => ({
    maxBudget: r.max_budget ?? null,
    budgetDuration: r.budget_duration ?? null,
    resetAt: toMs(r.budget_reset_at),
    rpm: r.rpm_limit ?? null,
    tpm: r.tpm_limit ?? null,
    parallel: r.max_parallel_requests ?? null,
  });
  if (p.key) out.push({ kind: 'key', id: p.key.token, entity: 'keys', spend: p.key.spend, enforceBudget: true, ...own(p.key) });
  if (p.user) out.push({ kind: 'user', id: p.user.user_id, entity: 'users', spend: p.user.spend, enforceBudget: !p.team, ...own(p.user) });
  if (p.team) out.push({ kind: 'team', id: p.team.team_id, entity: 'teams', spend: p.team.spend, enforceBudget: true, ...own(p.team) });
  if (p.membership) {
    out.push({ kind: 'member', id: `${p.membership.team_id}\n${p.membership.user_id}`, entity: 'team_members', spend: p.membership.spend, enforceBudget: true, ...budgetFields(p.membershipBudget) });
  }
  if (p.organization) {
    out.push({ kind: 'organization', id: p.organization.organization_id, entity: 'organizations', spend: p.organization.spend, enforceBudget: true, ...budgetFields(p.organizationBudget) });
  }
  if (endUser) out.push({ kind: 'end_user', id: endUser.user_id, entity: 'end_users', spend: endUser.spend, enforceBudget: true, ...budgetFields(endUserBudget) });
  return out;
}

/** The whole proxy's budget, kept on the proxy-wide user (LiteLLM's _global_proxy_budget_check in auth_checks.py). */
export function proxyScope(u: UserRecord): Scope {
  return { kind: 'proxy', id: u.user_id, entity: 'users', spend: u.spend, enforceBudget: true, maxBudget: u.max_budget, budgetDuration: u.budget_duration, resetAt: toMs(u.budget_reset_at), rpm: null, tpm: null, parallel: null };
}

/** LiteLLM's BudgetExceededError messages per scope (auth_checks.py); 400 `budget_exceeded`. */
function budgetExceeded(s: Scope, spend: number, max: number, p: Principal) {
  const cost = pyFloat(spend);
  const budget = pyFloat(max);
  let message: string;
  switch (s.kind) {
    case 'key':
    case 'proxy': message = `Budget has been exceeded! Current cost: ${cost}, Max budget: ${budget}`; break;
    case 'team': message = `Budget has been exceeded! Team=${s.id} Current cost: ${cost}, Max budget: ${budget}`; break;
    case 'organization': message = `Budget has been exceeded! Organization=${s.id} Current cost: ${cost}, Max budget: ${budget}`; break;
    case 'member': message = `Budget has been exceeded! User=${p.membership?.user_id} in Team=${p.membership?.team_id} Current cost: ${cost}, Max budget: ${budget}`; break;
    case 'user': message = `ExceededBudget: User=${s.id} over budget. Spend=${cost}, Budget=${budget}`; break;
    case 'end_user': message = `ExceededBudget: End User=${s.id} over budget. Spend=${cost}, Budget=${budget}`; break;
  }
  return proxyError(400, 'budget_exceeded', message, null, 'bad_request');
}

/** LiteLLM compares a key's spend with >= and every other scope's with > (auth_checks.py). */
const over = (s: Scope, spend: number, max: number) => (s.kind === 'key' ? spend >= max : spend > max);

function rateLimited(s: Scope, type: 'requests' | 'tokens' | 'max_parallel_requests', limit: number, remaining: number, resetMs: number, now: number) {
  const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
  const resetAt = new Date(now + resetMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return proxyError(
    429,
    'rate_limit_error',
    `Rate limit exceeded for ${DESCRIPTOR[s.kind]}: ${s.id.replace('\n', ':')}. Limit type: ${type}. Current limit: ${limit}, Remaining: ${Math.max(0, remaining)}. Limit resets at: ${resetAt}`,
    null,
    'rate_limit',
    retryAfter,
  );
}

/** Which scopes have which limits: split once per list of scopes (a cached principal's list is reused). */
interface Plan {
  budgeted: Scope[];
  tpmScopes: Scope[];
  parallelScopes: Scope[];
  rpmScopes: Scope[];
}
const plans = new WeakMap<readonly Scope[], Plan>();
function planOf(scopes: readonly Scope[]): Plan {
  let plan = plans.get(scopes);
  if (!plan) {
    plan = {
      budgeted: scopes.filter((s) => s.enforceBudget && s.maxBudget !== null),
      tpmScopes: scopes.filter((s) => s.tpm !== null),
      parallelScopes: scopes.filter((s) => s.parallel !== null),
      rpmScopes: scopes.filter((s) => s.rpm !== null),
    };
    plans.set(scopes, plan);
  }
  return plan;
}

/** OpenAI's reset format in x-ratelimit-reset-*: "20ms", "1s", "6m0s". */
export function resetHeader(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** What admit() granted; hand it to account() when the request is over. */
export interface Admission {
  readonly scopes: readonly Scope[];
  /** x-ratelimit-* headers for the response (empty when no rpm/tpm limit applies). */
  readonly headers: Record<string, string>;
  /** Parallel slots to give back. */
  readonly releases: Array<() => Promise<void>>;
  released: boolean;
}

/**
 * Budgets, rpm, tpm and parallel requests on SharedState, so every process behind a load
 * balancer reads the same counters when a Redis store is registered. Budget spend lives in a
 * window per budget period (integer nano-dollars), seeded once per period from the store.
 */
export class Limits {
  /** Budget windows this process knows are seeded, with the time they end. */
  private readonly seeded = new Map<string, number>();

  constructor(private readonly state: SharedState, private readonly spend: SpendWriter, private readonly now: () => number = Date.now) {}

  /** The budget window for a scope now: its state key and when it ends. */
  budgetWindow(s: Scope, now: number): BudgetWindow {
    const k = keysOf(s);
    if (k.window && k.window.endsAt > now && !(k.window.rolled === false && s.resetAt !== null && s.resetAt <= now)) return k.window;
    return (k.window = this.computeWindow(s, now));
  }

  private computeWindow(s: Scope, now: number): BudgetWindow {
    let endsAt: number;
    let rolled = false;
    if (s.budgetDuration) {
      endsAt = currentResetAt(s.budgetDuration, s.resetAt, now) ?? now + DAY;
      rolled = s.resetAt !== null && s.resetAt <= now;
    } else {
      // A budget that never resets is still windowed by day, so a lost counter is re-seeded.
      endsAt = (Math.floor(now / DAY) + 1) * DAY;
    }
    return { key: `tgk:budget:${s.kind}:${s.id}:${endsAt}`, endsAt, rolled };
  }

  async admit(p: Principal, scopes: Scope[]): Promise<Admission> {
    const now = this.now();
    const { budgeted, tpmScopes, parallelScopes, rpmScopes } = planOf(scopes);
    const windows = budgeted.map((s) => this.budgetWindow(s, now));
    const seeding = this.seed(budgeted, windows, now);
    if (seeding) await seeding;
    const countKeys = [...windows.map((w) => w.key), ...tpmScopes.map((s) => keysOf(s).tpm)];
    // Every counter in one go: a single round trip when the state is remote. A request refused
    // by one check still took its rpm hits (as LiteLLM's limiter counts it), never a slot.
    const [counts, slots, hits] = await Promise.all([
      countKeys.length ? this.state.counts(countKeys) : [],
      Promise.all(parallelScopes.map((s) => this.state.acquire(keysOf(s).parallel, s.parallel!, LEASE_MS))),
      Promise.all(rpmScopes.map((s) => this.state.hit(keysOf(s).rpm, MINUTE, 1, s.rpm!))),
    ]);
    const releases = slots.filter((r): r is () => Promise<void> => r !== null);
    const admission: Admission = { scopes, headers: {}, releases, released: false };
    const tokenCounts = counts.slice(budgeted.length);
    const refusal = this.refusal(p, now, budgeted, counts, tpmScopes, tokenCounts, parallelScopes, slots, rpmScopes, hits);
    if (refusal) {
      await this.release(admission);
      throw refusal;
    }
    if (rpmScopes.length || tpmScopes.length) Object.assign(admission.headers, headers(rpmScopes, hits, tpmScopes, tokenCounts));
    return admission;
  }

  /** The first limit a request breaks, in LiteLLM's order: budgets, tokens, parallel, requests. */
  private refusal(
    p: Principal,
    now: number,
    budgeted: Scope[],
    counts: WindowCount[],
    tpmScopes: Scope[],
    tokenCounts: WindowCount[],
    parallelScopes: Scope[],
    slots: Array<unknown>,
    rpmScopes: Scope[],
    hits: WindowCount[],
  ): GatewayError | null {
    for (let i = 0; i < budgeted.length; i++) {
      const s = budgeted[i]!;
      const spent = counts[i]!.count / NANO;
      if (over(s, spent, s.maxBudget!)) return budgetExceeded(s, spent, s.maxBudget!, p);
    }
    for (let i = 0; i < tpmScopes.length; i++) {
      const s = tpmScopes[i]!;
      const c = tokenCounts[i]!;
      if (c.count >= s.tpm!) return rateLimited(s, 'tokens', s.tpm!, s.tpm! - c.count, c.resetMs || MINUTE, now);
    }
    const full = slots.indexOf(null);
    if (full !== -1) return rateLimited(parallelScopes[full]!, 'max_parallel_requests', parallelScopes[full]!.parallel!, 0, 1000, now);
    const refused = hits.findIndex((h) => !h.allowed);
    if (refused !== -1) {
      const s = rpmScopes[refused]!;
      return rateLimited(s, 'requests', s.rpm!, s.rpm! - hits[refused]!.count, hits[refused]!.resetMs, now);
    }
    return null;
  }

  /** Tokens and spend of a finished request into the shared windows; frees its parallel slots. */
  async account(admission: Admission, totalTokens: number, cost: number): Promise<void> {
    const now = this.now();
    const work: Array<Promise<unknown>> = [this.release(admission)];
    const nano = Math.round(cost * NANO);
    for (const s of admission.scopes) {
      if (s.tpm !== null && totalTokens > 0) work.push(this.state.hit(keysOf(s).tpm, MINUTE, totalTokens));
      if (s.enforceBudget && s.maxBudget !== null && nano > 0) {
        const w = this.budgetWindow(s, now);
        work.push(this.state.hit(w.key, Math.max(1, w.endsAt - now), nano));
      }
    }
    await Promise.all(work);
  }

  async release(admission: Admission): Promise<void> {
    if (admission.released) return;
    admission.released = true;
    await Promise.all(admission.releases.map((r) => r()));
  }

  /**
   * Each budget window starts from the spend the store has (plus this process's unwritten
   * spend). One process seeds it: the first to take the window's seed marker.
   */
  private seed(scopes: Scope[], windows: BudgetWindow[], now: number): Promise<unknown> | undefined {
    if (scopes.length === 0) return undefined;
    const todo: Array<Promise<void>> = [];
    scopes.forEach((s, i) => {
      const w = windows[i]!;
      const known = this.seeded.get(w.key);
      if (known !== undefined && known > now) return;
      const ttl = Math.max(1, w.endsAt - now);
      todo.push(
        this.state.hit(`${w.key}:seed`, ttl, 1).then(async (marker) => {
          if (marker.count === 1) {
            const start = w.rolled ? 0 : s.spend + this.spend.pending(s.entity, s.id);
            const nano = Math.round(start * NANO);
            if (nano > 0) await this.state.hit(w.key, ttl, nano);
          }
          this.seeded.set(w.key, w.endsAt);
        }),
      );
    });
    if (this.seeded.size > 50_000) for (const [k, end] of this.seeded) if (end <= now) this.seeded.delete(k);
    return todo.length ? Promise.all(todo) : undefined;
  }
}

function headers(rpmScopes: Scope[], hits: WindowCount[], tpmScopes: Scope[], tokenCounts: WindowCount[]): Record<string, string> {
  const h: Record<string, string> = {};
  let best = -1;
  rpmScopes.forEach((s, i) => {
    if (best === -1 || s.rpm! - hits[i]!.count < rpmScopes[best]!.rpm! - hits[best]!.count) best = i;
  });
  if (best !== -1) {
    const s = rpmScopes[best]!;
    h['x-ratelimit-limit-requests'] = String(s.rpm);
    h['x-ratelimit-remaining-requests'] = String(Math.max(0, s.rpm! - hits[best]!.count));
    h['x-ratelimit-reset-requests'] = resetHeader(hits[best]!.resetMs);
  }
  best = -1;
  tpmScopes.forEach((s, i) => {
    if (best === -1 || s.tpm! - tokenCounts[i]!.count < tpmScopes[best]!.tpm! - tokenCounts[best]!.count) best = i;
  });
  if (best !== -1) {
    const s = tpmScopes[best]!;
    h['x-ratelimit-limit-tokens'] = String(s.tpm);
    h['x-ratelimit-remaining-tokens'] = String(Math.max(0, s.tpm! - tokenCounts[best]!.count));
    h['x-ratelimit-reset-tokens'] = resetHeader(tokenCounts[best]!.resetMs || MINUTE);
  }
  return h;
}
