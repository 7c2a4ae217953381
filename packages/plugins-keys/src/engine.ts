import { MemorySharedState, toGatewayError, type SharedState } from '@tollgate/core';
import { checkModelAccess, allowedModels, type AccessGroups } from './access.js';
import type { AdminContext, ModelInfoEntry } from './admin/context.js';
import { AdminRouter, adminRoutes } from './admin/index.js';
import type { AdminResponse, AdminRoute } from './admin/route.js';
import { Authenticator, memberId, type Caches } from './auth.js';
import { RecordCache, type CacheOptions } from './cache.js';
import { currentResetAt, nextResetAt } from './duration.js';
import { forbidden } from './errors.js';
import { Limits, proxyScope, scopesOf, type Admission, type Scope } from './limits.js';
import type { Principal } from './principal.js';
import { SpendWriter, type SpendWriterOptions } from './spend.js';
import { openStore, type StoreOption } from './store/open.js';
import type { Entity } from './store/schema.js';
import type { Store } from './store/store.js';
import type { BudgetRecord, EndUserRecord, KeyRecord, ModelRecord, SpendLogRow, TeamRecord, UserRecord } from './types.js';

/** LiteLLM's row for the whole proxy's spend (litellm_proxy_budget_name). */
export const PROXY_BUDGET_USER = 'litellm-proxy-budget';

export interface KeysLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface KeysEngineOptions {
  /** A SQLite file path (default "./tollgate.db"), a postgres:// URL, or { postgres: Pool } / { sqlite: path }; or an open Store. */
  store?: StoreOption | Store;
  /** PostgreSQL pool size when `store` is a URL (LiteLLM's database_connection_pool_limit). */
  poolMax?: number;
  /** settings.master_key / general_settings.master_key. Without it nobody is an admin. */
  masterKey?: string;
  /** Shared counters (register @tollgate/state-redis for several processes). Default: this process's memory. */
  state?: SharedState;
  cache?: CacheOptions;
  spend?: SpendWriterOptions;
  /** How often budgets past their budget_reset_at are reset in the store (default 60 s). */
  budgetResetIntervalMs?: number;
  /**
   * The whole proxy's budget (LiteLLM's litellm_settings.max_budget / budget_duration), kept on
   * the litellm-proxy-budget user; over it every LLM request gets 400 budget_exceeded.
   */
  proxyBudget?: { maxBudget: number; budgetDuration?: string | null };
  /** Keep no spend-log rows (LiteLLM's disable_spend_logs); spend totals are still written. */
  disableSpendLogs?: boolean;
  accessGroups?: AccessGroups;
  /** The config file's models, for /model/info. */
  configModels?: () => readonly ModelInfoEntry[];
  logger?: KeysLogger;
  now?: () => number;
}

/** A principal with nothing of its own, for the end user's scope alone. */
const NOBODY: Principal = Object.freeze({
  isMaster: false, isAdmin: false, keyHash: '', key: null, userId: null, user: null, team: null,
  membership: null, membershipBudget: null, organization: null, organizationBudget: null,
});

/** What a finished request did, for account(). */
export interface RequestRecord {
  requestId: string;
  /** LiteLLM's call_type: "acompletion", "aembedding", ... */
  callType?: string;
  /** The model group the client asked for. */
  modelGroup: string;
  /** The deployment's model ("openai/gpt-4o"), its id and provider. */
  model?: string;
  modelId?: string | null;
  provider?: string | null;
  apiBase?: string | null;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
  cost: number;
  /** Epoch ms. */
  startTime: number;
  endTime: number;
  firstTokenTime?: number | null;
  cacheHit?: boolean;
  status: 'success' | 'failure';
  /** The request's `user` field. */
  endUser?: string | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/**
 * Virtual keys, budgets, limits and spend for a gateway: authenticate at STAGE_AUTH (headers
 * only), admit at STAGE_LIMITS (model, end user), account after the last byte, the admin
 * routes, flush on shutdown. The store is read on cache misses only.
 */
export class KeysEngine {
  readonly routes: readonly AdminRoute[];
  private readonly router: AdminRouter;
  private readonly auth: Authenticator;
  private limits: Limits;
  private readonly spend: SpendWriter;
  private readonly caches: AdminContext['caches'];
  private readonly now: () => number;
  /** Created once: the row spend creates if the proxy-wide user is missing. */
  private readonly proxyUserSeed: Record<string, unknown>;
  private readonly modelListeners = new Set<(models: readonly ModelRecord[]) => void>();
  /**
   * A principal's scopes, kept while the principal object lives: a caller cache that hands out
   * the same principal for the same records (the plugin's) gets their limit keys built once.
   */
  private readonly scopes = new WeakMap<Principal, Scope[]>();
  private readonly proxyScopes = new WeakMap<UserRecord, Scope>();
  private resetTimer: NodeJS.Timeout | null = null;
  private storeDown = false;
  private closed = false;

  private constructor(readonly store: Store, private sharedState: SharedState, private readonly options: KeysEngineOptions) {
    this.now = options.now ?? Date.now;
    this.proxyUserSeed = this.proxyBudgetUser();
    const log = options.logger;
    const onStoreError = (err: unknown) => {
      if (this.storeDown) return;
      this.storeDown = true;
      log?.error({ err }, 'keys: the key database is unreachable; serving keys already seen from memory');
    };
    const cache = <T extends object>(entity: Entity) =>
      new RecordCache<T>(
        async (id) => {
          const r = await store.get<T>(entity, id);
          this.storeDown = false;
          return r;
        },
        options.cache ?? {},
        onStoreError,
      );
    this.caches = {
      keys: cache<KeyRecord>('keys'),
      users: cache<UserRecord>('users'),
      teams: cache<TeamRecord>('teams'),
      organizations: cache('organizations'),
      budgets: cache<BudgetRecord>('budgets'),
      members: cache('team_members'),
      endUsers: cache<EndUserRecord>('end_users'),
    } as AdminContext['caches'];
    this.spend = new SpendWriter(store, {
      ...options.spend,
      onError: (err, pending) => {
        log?.error({ err, pendingLogs: pending }, 'keys: writing spend failed; kept in memory for the next attempt');
        options.spend?.onError?.(err, pending);
      },
      onDrop: (rows) => {
        log?.error({ rows }, 'keys: the store has been down too long; dropped the oldest spend-log rows');
        options.spend?.onDrop?.(rows);
      },
    });
    this.auth = new Authenticator(this.caches as Caches, options.masterKey, this.now);
    this.limits = new Limits(sharedState, this.spend, this.now);
    const ctx: AdminContext = {
      store,
      caches: this.caches,
      spend: this.spend,
      now: this.now,
      ...(options.accessGroups ? { accessGroups: options.accessGroups } : {}),
      configModels: options.configModels ?? (() => []),
      invalidate: (entity, id) => this.invalidate(entity, id),
      modelsChanged: (models) => {
        for (const l of this.modelListeners) l(models);
      },
    };
    this.routes = adminRoutes(ctx);
    this.router = new AdminRouter(this.routes);
  }

  static async open(options: KeysEngineOptions = {}): Promise<KeysEngine> {
    const s = options.store ?? './tollgate.db';
    const store = typeof s === 'object' && 'migrate' in s ? s : await openStore(s, { poolMax: options.poolMax });
    const engine = new KeysEngine(store, options.state ?? new MemorySharedState(), options);
    await engine.ensureProxyBudgetUser();
    if (options.proxyBudget) await engine.setProxyBudget(options.proxyBudget);
    engine.spend.start();
    engine.resetTimer = setInterval(() => void engine.resetBudgets().catch((err) => options.logger?.error({ err }, 'keys: budget reset failed')), options.budgetResetIntervalMs ?? 60_000);
    engine.resetTimer.unref();
    return engine;
  }

  get state(): SharedState {
    return this.sharedState;
  }

  /**
   * Counters move to another SharedState (a gateway resolves TOKENS.SharedState once every plugin
   * has registered, so a Redis store registered after this plugin is still the one used).
   */
  useState(state: SharedState): void {
    if (state === this.sharedState) return;
    this.sharedState = state;
    this.limits = new Limits(state, this.spend, this.now);
  }

  /** The master key's principal (LiteLLM's proxy admin, user "default_user_id"). */
  masterPrincipal(): Principal {
    return this.auth.masterPrincipal();
  }

  /** STAGE_AUTH: the caller of a presented key (Authorization: Bearer / x-api-key); throws 401. */
  authenticate(presentedKey: string | undefined | null, keyDigest?: Buffer): Promise<Principal> {
    return this.auth.authenticate(presentedKey, keyDigest);
  }

  /** The key's record when it may be used now; null when unknown, blocked or expired. */
  verify(presentedKey: string): Promise<KeyRecord | null> {
    return this.auth.verify(presentedKey);
  }

  /**
   * STAGE_LIMITS, once the body is parsed: model access (403), budgets of key, user, team,
   * membership, organization and end user (400 budget_exceeded), rpm/tpm/parallel (429 with
   * retry-after). Resolves to the admission whose `headers` go on the response.
   */
  async admit(p: Principal, request: { model?: string | null; endUser?: string | null }): Promise<Admission> {
    if (request.model) checkModelAccess(p, request.model, this.options.accessGroups);
    let endUser: EndUserRecord | null = null;
    let endUserBudget: BudgetRecord | null = null;
    if (request.endUser) {
      endUser = await this.caches.endUsers.get(request.endUser);
      if (endUser?.blocked) {
        throw forbidden(`End User=${endUser.user_id} is blocked. Update via \`/customer/unblock\` if you're an admin.`);
      }
      if (endUser?.budget_id) endUserBudget = await this.caches.budgets.get(endUser.budget_id);
    }
    let scopes = this.scopes.get(p);
    if (!scopes) this.scopes.set(p, (scopes = scopesOf(p, null, null)));
    if (endUser) scopes = scopes.concat(scopesOf(NOBODY, endUser, endUserBudget));
    if (this.options.proxyBudget) {
      const proxy = this.caches.users.peek(PROXY_BUDGET_USER) ?? (await this.caches.users.get(PROXY_BUDGET_USER));
      if (proxy) scopes = scopes.concat(this.proxyScopeOf(proxy));
    }
    return this.limits.admit(p, scopes);
  }

  private proxyScopeOf(u: UserRecord): Scope {
    let scope = this.proxyScopes.get(u);
    if (!scope) this.proxyScopes.set(u, (scope = proxyScope(u)));
    return scope;
  }

  /** Frees an admission's parallel slots without accounting (account() does it too). */
  release(admission: Admission): Promise<void> {
    return this.limits.release(admission);
  }

  /** A model the caller may use, with the team's and key's aliases applied (model_aliases, aliases). */
  resolveModel(p: Principal, model: string): string {
    const alias = p.key?.aliases?.[model] ?? p.team?.model_aliases?.[model];
    return typeof alias === 'string' ? alias : model;
  }

  /** The model groups this caller may call, for /v1/models. */
  allowedModels(p: Principal, models: readonly string[]): string[] {
    return allowedModels(p, models, this.options.accessGroups);
  }

  /**
   * After the last byte (every outcome): frees parallel slots, adds tokens and spend to the
   * shared windows and records spend and a spend-log row for the next batch write.
   */
  async account(p: Principal, admission: Admission | null, r: RequestRecord): Promise<void> {
    const prompt = r.promptTokens ?? 0;
    const completion = r.completionTokens ?? 0;
    // A failed request usually costs 0; a stream cut after tokens were produced was billed upstream.
    const cost = r.cost > 0 ? r.cost : 0;
    const shared = admission ? this.limits.account(admission, prompt + completion, cost) : Promise.resolve();
    if (p.key) this.spend.add('keys', p.key.token, cost);
    if (p.user) this.spend.add('users', p.user.user_id, cost);
    if (p.team) this.spend.add('teams', p.team.team_id, cost);
    if (p.membership) this.spend.add('team_members', memberId(p.membership.team_id, p.membership.user_id), cost);
    if (p.organization) this.spend.add('organizations', p.organization.organization_id, cost);
    if (r.endUser) this.spend.add('end_users', r.endUser, cost, { user_id: r.endUser, alias: null, allowed_model_region: null, default_model: null, budget_id: null, blocked: false });
    this.spend.add('users', PROXY_BUDGET_USER, cost, this.proxyUserSeed);
    if (!this.options.disableSpendLogs) this.spend.log(() => this.logRow(p, r, cost));
    try {
      await shared;
    } catch (err) {
      this.options.logger?.warn({ err }, 'keys: updating shared limit counters failed');
    }
  }

  /** Runs an admin request end to end: authenticate from headers, match, authorize, handle. */
  async handle(method: string, path: string, req: { headers: Record<string, string | string[] | undefined>; body?: unknown; query?: Record<string, string | undefined> }): Promise<AdminResponse> {
    const match = this.router.match(method, path);
    if (!match) return { status: 404, body: { error: { message: `Not found: ${method} ${path}`, type: 'not_found_error', param: null, code: '404' } } };
    let caller: Principal;
    try {
      caller = await this.authenticate(presentedKey(req.headers));
    } catch (err) {
      const e = toGatewayError(err);
      return { status: e.status, body: e.toJSON() };
    }
    return this.router.run(match.route, { body: req.body ?? {}, query: req.query ?? {}, params: match.params, caller });
  }

  /** Runs one route for an already authenticated caller (for a server that authenticates itself). */
  runRoute(route: AdminRoute, req: { body: unknown; query: Record<string, string | undefined>; params: Record<string, string>; caller: Principal }): Promise<AdminResponse> {
    return this.router.run(route, req);
  }

  /** Called with every model stored in the database after /model/new, /model/update, /model/delete. */
  onModelsChanged(listener: (models: readonly ModelRecord[]) => void): () => void {
    this.modelListeners.add(listener);
    return () => this.modelListeners.delete(listener);
  }

  listDbModels(): Promise<ModelRecord[]> {
    return this.store.find<ModelRecord>('models');
  }

  /** Drops a record from this process's caches (other processes refresh within the cache TTL). */
  invalidate(entity: Entity, id: string): void {
    const c = ({ keys: this.caches.keys, users: this.caches.users, teams: this.caches.teams, organizations: this.caches.organizations, budgets: this.caches.budgets, team_members: this.caches.members, end_users: this.caches.endUsers } as Partial<Record<Entity, RecordCache<object>>>)[entity];
    c?.invalidate(id);
  }

  /** Writes pending spend and spend logs now. */
  flush(): Promise<void> {
    return this.spend.flush();
  }

  /**
   * Zeroes the spend of keys, users and teams past their budget_reset_at, and of end users,
   * memberships and organizations whose budget row is, and moves each reset time on.
   */
  async resetBudgets(now = this.now()): Promise<void> {
    // Spend still pending from the period that ends must land before the reset zeroes it,
    // or it would be added on top of the next period's (a failed write is retried later).
    await this.spend.flush().catch(() => undefined);
    for (const entity of ['keys', 'users', 'teams'] as const) {
      const due = await this.store.dueForReset<KeyRecord | UserRecord | TeamRecord>(entity, now);
      const next = due.filter((r) => r.budget_duration).map((r) => ({ ...r, budget_reset_at: new Date(currentResetAt(r.budget_duration!, null, now)!).toISOString() }));
      if (next.length === 0) continue;
      await this.store.resetSpend(entity, next);
      for (const r of next) this.invalidate(entity, entity === 'keys' ? (r as KeyRecord).token : entity === 'users' ? (r as UserRecord).user_id : (r as TeamRecord).team_id);
    }
    const budgets = (await this.store.dueForReset<BudgetRecord>('budgets', now)).filter((b) => b.budget_duration);
    if (budgets.length === 0) return;
    const ids = budgets.map((b) => b.budget_id);
    await this.store.resetSpend('budgets', budgets.map((b) => ({ ...b, budget_reset_at: new Date(currentResetAt(b.budget_duration!, null, now)!).toISOString() })));
    for (const entity of ['end_users', 'team_members', 'organizations'] as const) await this.store.resetSpendByBudget(entity, ids);
    for (const id of ids) this.invalidate('budgets', id);
    this.caches.endUsers.clear();
    this.caches.members.clear();
    this.caches.organizations.clear();
  }

  /** Stops the timers, writes everything pending and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.spend.stop();
    if (this.resetTimer) clearInterval(this.resetTimer);
    try {
      await this.spend.flush();
    } finally {
      await this.store.close();
    }
  }

  private proxyBudgetUser() {
    return { user_id: PROXY_BUDGET_USER, user_alias: null, user_email: null, user_role: 'proxy_admin', teams: [], models: [], metadata: {}, organization_id: null, max_budget: null, budget_duration: null, budget_reset_at: null, tpm_limit: null, rpm_limit: null, max_parallel_requests: null, created_at: new Date(this.now()).toISOString(), updated_at: new Date(this.now()).toISOString() };
  }

  /** Writes the configured proxy budget onto the proxy-wide user; its reset time moves only when the duration changes. */
  private async setProxyBudget(b: NonNullable<KeysEngineOptions['proxyBudget']>): Promise<void> {
    const user = await this.store.get<UserRecord>('users', PROXY_BUDGET_USER);
    if (!user) return;
    const duration = b.budgetDuration ?? null;
    if (user.max_budget === b.maxBudget && user.budget_duration === duration) return;
    const resetAt = duration && duration === user.budget_duration ? user.budget_reset_at : duration ? new Date(nextResetAt(duration, this.now())!).toISOString() : null;
    await this.store.update('users', { ...user, max_budget: b.maxBudget, budget_duration: duration, budget_reset_at: resetAt, updated_at: new Date(this.now()).toISOString() });
    this.invalidate('users', PROXY_BUDGET_USER);
  }

  private async ensureProxyBudgetUser(): Promise<void> {
    if (!(await this.store.get('users', PROXY_BUDGET_USER))) {
      await this.store.insert('users', this.proxyBudgetUser()).catch(() => undefined);
    }
  }

  private logRow(p: Principal, r: RequestRecord, cost: number): SpendLogRow {
    const prompt = r.promptTokens ?? 0;
    const completion = r.completionTokens ?? 0;
    const teamId = p.team?.team_id ?? null;
    const orgId = p.organization?.organization_id ?? null;
    return {
      request_id: r.requestId,
      call_type: r.callType ?? 'acompletion',
      api_key: p.keyHash,
      spend: cost,
      total_tokens: prompt + completion,
      prompt_tokens: prompt,
      completion_tokens: completion,
      cached_tokens: r.cachedTokens ?? 0,
      reasoning_tokens: r.reasoningTokens ?? 0,
      startTime: new Date(r.startTime).toISOString(),
      endTime: new Date(r.endTime).toISOString(),
      completionStartTime: r.firstTokenTime ? new Date(r.firstTokenTime).toISOString() : null,
      request_duration_ms: Math.max(0, Math.round(r.endTime - r.startTime)),
      model: r.model ?? r.modelGroup,
      model_id: r.modelId ?? null,
      model_group: r.modelGroup,
      custom_llm_provider: r.provider ?? null,
      api_base: r.apiBase ?? null,
      user: p.userId,
      end_user: r.endUser ?? null,
      team_id: teamId,
      organization_id: orgId,
      metadata: {
        user_api_key: p.keyHash,
        user_api_key_alias: p.key?.key_alias ?? null,
        user_api_key_team_id: teamId,
        user_api_key_org_id: orgId,
        user_api_key_user_id: p.userId,
        user_api_key_team_alias: p.team?.team_alias ?? null,
        usage_object: { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: r.cachedTokens ?? 0, reasoning_tokens: r.reasoningTokens ?? 0 },
        ...r.metadata,
      },
      cache_hit: r.cacheHit ? 'True' : 'False',
      request_tags: r.tags ?? [],
      status: r.status,
    };
  }
}

/** The key of a request: `Authorization: Bearer <key>`, or `x-api-key` / `api-key`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const x = headers['x-api-key'] ?? headers['api-key'];
  return typeof x === 'string' ? x : undefined;
}

