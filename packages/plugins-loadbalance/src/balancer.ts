import { RateLimitError, type GatewayError, type SharedState } from '@tollgate/core';
import { allCoolingError, Cooldowns, type CooldownOptions, type Release } from './cooldown.js';
import { decide, type Decision } from './decide.js';
import { contextWindowError, estimateInputTokens, filterByContextWindow } from './filters/context-window.js';
import { filterByTags } from './filters/tags.js';
import { requestOverrides, type RequestOverrides } from './request.js';
import type { RouterSettings } from './settings/settings.js';
import { SharedStats, type SharedStatsOptions } from './stats.js';
import { orderPlan } from './strategies/plan.js';
import { configuredPrice, STRATEGIES, type PriceFn, type Strategy } from './strategies/strategies.js';
import type { AttemptRecord, Clock, DeploymentView, FailureInfo, RequestInfo, Rng, StatsView } from './types.js';

export interface LoadBalancerOptions {
  readonly settings: RouterSettings;
  readonly state: SharedState;
  readonly rng?: Rng;
  readonly clock?: Clock;
  /** cost-based-routing: USD per token of a deployment. Default: its configured input + output price. */
  readonly price?: PriceFn;
  readonly cooldown?: CooldownOptions;
  readonly stats?: SharedStatsOptions;
}

/** One request's routing state: keep it in a context slot from `begin` to `end`. */
export class RouteState {
  /** Groups routed so far, the requested one first. */
  readonly triedGroups: string[] = [];
  /** The current group's plan, as the last route stage returned it. */
  plan: readonly DeploymentView[] = [];
  /** Deployments configured in the current group (before any filter). */
  groupSize = 0;
  attemptsInGroup = 0;
  /** Index in `plan` of the current attempt's deployment. */
  position = -1;
  /** The plan's first deployment was admitted against its rpm while routing. */
  headAdmitted = false;
  /** The deployment whose attempt the balancer refused (at its rpm): not a failure of the deployment. */
  refused: string | null = null;
  /** Why a route stage left no deployment (all cooling, context window, rpm limits). */
  failure: GatewayError | null = null;
  /** Half-open probes this request holds. */
  readonly probes = new Map<string, Release>();
  inFlight: Release | null = null;
  /** The strategy's reads, started with the cooldown lookup so both take one round trip. */
  prefetch: { readonly ids: ReadonlyMap<string, number>; readonly reads: Promise<[StatsView[], number]> } | null = null;

  constructor(
    readonly overrides: RequestOverrides,
    readonly inputTokens: number,
    readonly stream: boolean,
  ) {}

  info(group: string): RequestInfo {
    return { group, stream: this.stream, inputTokens: this.inputTokens, tags: this.overrides.tags };
  }
}

/** An attempt the balancer refused before sending it: the deployment reached its rpm this minute. */
export class DeploymentAtLimitError extends RateLimitError {
  constructor(id: string) {
    super(`Deployment "${id}" is at its rpm limit for this minute.`, { code: 'deployment_at_rpm_limit' });
  }
}

/**
 * The load balancer's engine, called by the plugin from the core's hooks (see the README for the
 * wiring): route stages that take and return the candidate list, then per-attempt bookkeeping
 * and the decision after a failure. Everything shared across processes goes through SharedState.
 */
export class LoadBalancer {
  readonly settings: RouterSettings;
  readonly strategy: Strategy;
  readonly cooldowns: Cooldowns;
  readonly stats: SharedStats;
  private readonly state: SharedState;
  private readonly rng: Rng;
  private readonly price: PriceFn;
  /** usage-based routing counts (and caps) every attempt against the deployment's rpm. */
  private readonly enforceRpm: boolean;
  /** The most retries any failure may get in a group, from the settings. */
  private readonly maxRetries: number;

  constructor(options: LoadBalancerOptions) {
    this.settings = options.settings;
    this.state = options.state;
    this.rng = options.rng ?? Math.random;
    this.price = options.price ?? configuredPrice;
    this.strategy = STRATEGIES[this.settings.routing_strategy];
    this.cooldowns = new Cooldowns(options.state, options.settings, { clock: options.clock, ...options.cooldown });
    this.stats = new SharedStats(options.state, options.stats);
    this.enforceRpm = this.settings.routing_strategy === 'usage-based-routing-v2' || this.settings.enforce_model_rate_limits;
    const policies = [this.settings.retry_policy, ...Object.values(this.settings.model_group_retry_policy)];
    this.maxRetries = Math.max(this.settings.num_retries, ...policies.flatMap((p) => (p ? [...Object.values(p.byKind), p.other ?? 0] : [])));
  }

  /** Start a request: read its overrides (num_retries, fallbacks, tags...) and estimate its prompt. */
  begin(body: Readonly<Record<string, unknown>>, headers: Readonly<Record<string, string | string[] | undefined>> = {}): RouteState {
    return new RouteState(requestOverrides(body, headers), estimateInputTokens(body), body.stream === true);
  }

  /** Route stage 0, on the core's seed (the group's deployments): a new group starts. */
  enterGroup<D extends DeploymentView>(seed: readonly D[], group: string, rs: RouteState): readonly D[] {
    if (rs.triedGroups[rs.triedGroups.length - 1] !== group) rs.triedGroups.push(group);
    rs.groupSize = seed.length;
    rs.attemptsInGroup = 0;
    rs.position = -1;
    rs.headAdmitted = false;
    rs.failure = null;
    rs.prefetch = null;
    return seed;
  }

  /** Route stage 1: tags (throws a 400 when no deployment may take the request's tags). */
  filterTags<D extends DeploymentView>(ds: readonly D[], rs: RouteState): readonly D[] {
    return filterByTags(ds, rs.overrides.tags, { enabled: this.settings.enable_tag_filtering, matchAny: this.settings.tag_filtering_match_any });
  }

  /** Route stage 2: with enable_pre_call_checks, deployments whose context window is too small. */
  filterContextWindow<D extends DeploymentView>(ds: readonly D[], rs: RouteState): readonly D[] {
    if (!this.settings.enable_pre_call_checks || ds.length === 0) return ds;
    const kept = filterByContextWindow(ds, rs.inputTokens);
    if (kept.length === 0) rs.failure = contextWindowError(ds[0].group, rs.inputTokens);
    return kept;
  }

  /** Route stage 3: leave out cooling deployments; a half-open one goes through once, as a probe. */
  async filterCooldown<D extends DeploymentView>(ds: readonly D[], rs: RouteState): Promise<readonly D[]> {
    // What `order` will read does not depend on this filter: ask for it now, in parallel.
    if (ds.length > 0) {
      const reads = this.reads(ds);
      reads.catch(() => undefined); // not awaited when every deployment is cooling
      rs.prefetch = { ids: new Map(ds.map((d, i) => [d.id, i])), reads };
    }
    const { available, probes, soonestMs } = await this.cooldowns.filter(ds);
    for (const [id, release] of probes) rs.probes.set(id, release);
    if (available.length === 0 && soonestMs !== null) rs.failure = allCoolingError(ds[0].group, soonestMs);
    return available;
  }

  /**
   * Route stage 4: the strategy orders the rest into the plan (priority tiers, probes first);
   * with usage-based routing the first deployment is admitted against its rpm here, atomically
   * across processes, and those already at their limit are left out.
   */
  async order<D extends DeploymentView>(ds: readonly D[], rs: RouteState): Promise<readonly D[]> {
    if (ds.length === 0) return (rs.plan = ds);
    const [stats, counter] = await this.readsFor(ds, rs);
    // Every position an attempt can reach is ordered: 1 + the most retries, + 1 for a refusal at the rpm limit.
    let retries = Math.max(this.maxRetries, rs.overrides.numRetries ?? 0);
    for (const d of ds) if (d.numRetries !== undefined && d.numRetries > retries) retries = d.numRetries;
    const ctx = { request: rs.info(ds[0].group), rng: this.rng, counter, latencyBuffer: this.settings.lowest_latency_buffer, price: this.price, depth: retries + 2 };
    const { plan } = orderPlan(ds, stats, this.strategy, ctx, { enforceLimits: this.enforceRpm, first: new Set(rs.probes.keys()) });
    // Admit the head now, so a deployment that filled up since the read is skipped without an attempt.
    while (this.enforceRpm && plan.length > 0 && !(await this.stats.admit(plan[0], true))) plan.shift();
    if (plan.length === 0 && !rs.failure) {
      const resetMs = Math.min(...stats.map((s) => s.usageResetMs).filter((ms) => ms > 0), 60_000);
      rs.failure = new RateLimitError(`Every deployment of model group "${ds[0].group}" is at its rpm/tpm limit for this minute.`, {
        retryAfter: Math.max(1, Math.ceil(resetMs / 1000)),
        code: 'rate_limit_exceeded',
      });
    }
    rs.plan = plan;
    rs.headAdmitted = this.enforceRpm && plan.length > 0;
    return plan;
  }

  /** Live stats the strategy reads (aligned with `ds`), and the round-robin counter's next number. */
  private reads(ds: readonly DeploymentView[]): Promise<[StatsView[], number]> {
    const needs = this.enforceRpm ? { ...this.strategy.needs, usage: true } : this.strategy.needs;
    return Promise.all([
      this.stats.read(ds, needs),
      needs.counter ? this.state.incr(`lb:rr:${ds[0].group}`, 1, 3_600_000) : 0,
    ]);
  }

  /** The prefetched reads when they cover `ds` (stages in the usual order), else fresh ones. */
  private async readsFor(ds: readonly DeploymentView[], rs: RouteState): Promise<[StatsView[], number]> {
    const pre = rs.prefetch;
    rs.prefetch = null;
    if (!pre || !ds.every((d) => pre.ids.has(d.id))) return this.reads(ds);
    const [all, counter] = await pre.reads;
    return [ds.map((d) => all[pre.ids.get(d.id)!]), counter];
  }

  /**
   * Before each attempt: count it (and with usage-based routing, admit it against the rpm; a
   * refusal throws DeploymentAtLimitError, which `afterFailure` answers with the next deployment)
   * and mark it in flight.
   */
  async attemptStarted(d: DeploymentView, rs: RouteState): Promise<void> {
    const admitted = rs.headAdmitted && rs.attemptsInGroup === 0;
    rs.position = rs.plan.indexOf(d);
    if (this.enforceRpm && !admitted && !(await this.stats.admit(d, true))) {
      rs.refused = d.id;
      throw new DeploymentAtLimitError(d.id);
    }
    rs.attemptsInGroup++;
    rs.inFlight = await this.stats.started(d);
  }

  /** After a failed attempt (or a route that left nothing): retry, next, fallback or stop. */
  afterFailure(error: FailureInfo, rs: RouteState): Decision {
    const remainingInPlan = Math.max(0, rs.plan.length - rs.position - 1);
    // A refusal at the rpm limit costs no retry: the next deployment, else a fallback.
    const refused = error instanceof DeploymentAtLimitError;
    if (refused && remainingInPlan > 0) return { action: 'next', delayMs: 0 };
    const current = rs.position >= 0 ? rs.plan[rs.position] : undefined;
    return decide(error, {
      triedGroups: rs.triedGroups,
      attemptsInGroup: rs.failure || refused ? 0 : rs.attemptsInGroup,
      remainingInPlan,
      deploymentRetries: current?.numRetries,
      request: rs.overrides,
    }, this.settings, this.rng);
  }

  /** At attempt end: live stats, the circuit breaker, and the in-flight mark and probe released. */
  async attemptEnded(d: DeploymentView, record: AttemptRecord, rs: RouteState): Promise<void> {
    if (rs.refused === d.id) {
      rs.refused = null;
      return;
    }
    const release = rs.inFlight;
    rs.inFlight = null;
    const probe = rs.probes.get(d.id);
    rs.probes.delete(d.id);
    const failure = record.ok || record.errorKind === null ? null : { kind: record.errorKind, status: record.status ?? undefined, retryAfter: record.retryAfter };
    await Promise.all([
      release?.(),
      this.stats.finished(d, record),
      failure ? this.cooldowns.recordFailure(d, failure, rs.groupSize, probe) : this.cooldowns.recordSuccess(d, probe),
    ]);
  }

  /** When the request is over: give back probes it took but never used. */
  async end(rs: RouteState): Promise<void> {
    const held = [...rs.probes.values(), ...(rs.inFlight ? [rs.inFlight] : [])];
    rs.probes.clear();
    rs.inFlight = null;
    await Promise.all(held.map((r) => r()));
  }
}
