import { isRetryableKind, scrubSecrets, type AttemptRecord, type Deployment, type RequestContext } from '@tollgate/core';
import { HistogramCells, LATENCY_BUCKETS, OVERHEAD_BUCKETS } from './histogram.js';
import { BoundedNames, callerLabels, type CallerLabels } from './labels.js';

/** A deployment's labels, made once per Deployment object. */
export interface DeploymentLabels {
  readonly id: string;
  readonly group: string;
  readonly provider: string;
  /** The provider's model name (LiteLLM's `model` / `litellm_model_name`). */
  readonly model: string;
  readonly apiBase: string;
}

/** Counts of one (model group, deployment, caller): what `account` adds to per request. */
export class RequestRow {
  /** By `${status}|${outcome}`. */
  readonly statuses = new Map<string, { status: number; outcome: string; n: number }>();
  /** By `${status}|${kind}`. */
  readonly failures = new Map<string, { status: number; kind: string; n: number }>();
  inputTokens = 0;
  outputTokens = 0;
  spend = 0;
  cacheHits = 0;
  constructor(readonly group: string, readonly deployment: DeploymentLabels | null, readonly caller: CallerLabels) {}
}

/** Attempts against one deployment for one (requested group, caller), by upstream status and error kind. */
export class AttemptRow {
  readonly results = new Map<string, { status: string; kind: string; n: number }>();
  constructor(readonly deployment: DeploymentLabels, readonly group: string, readonly caller: CallerLabels) {}
}

/** Latency histograms of one (model group, deployment); no caller label, to keep series few. */
export class LatencyRow {
  readonly duration = new HistogramCells(LATENCY_BUCKETS);
  readonly upstream = new HistogramCells(LATENCY_BUCKETS);
  readonly ttft = new HistogramCells(LATENCY_BUCKETS);
  readonly overhead = new HistogramCells(OVERHEAD_BUCKETS);
  constructor(readonly group: string, readonly deployment: DeploymentLabels | null) {}
}

export class FallbackRow {
  success = 0;
  failure = 0;
  constructor(readonly group: string, readonly fallback: string, readonly caller: CallerLabels, readonly status: string, readonly kind: string) {}
}

export class RejectionRow {
  n = 0;
  constructor(readonly group: string, readonly caller: CallerLabels, readonly reason: string) {}
}

export interface Budget {
  caller: CallerLabels;
  max: number;
  remaining: number;
}

const NONE = '';

/**
 * Everything the metrics plugin counts, in plain objects: `record` runs once per request (from
 * `account`) and `attempt` once per attempt (from `attemptEnd`); each finds its row with one
 * string key and adds numbers. Prometheus text is made from these rows at scrape time only.
 */
export class MetricsRecorder {
  readonly names = new BoundedNames();
  readonly requests = new Map<string, RequestRow>();
  readonly attempts = new Map<string, AttemptRow>();
  readonly latency = new Map<string, LatencyRow>();
  readonly fallbacks = new Map<string, FallbackRow>();
  readonly rejections = new Map<string, RejectionRow>();
  readonly budgets = new Map<string, Budget>();
  /** Deployment id -> did its last attempt fail for a reason that is the deployment's (not the client's)? */
  readonly failing = new Map<string, boolean>();
  private readonly deploymentLabels = new WeakMap<Deployment, DeploymentLabels>();

  labelsOf(d: Deployment): DeploymentLabels {
    let l = this.deploymentLabels.get(d);
    if (!l) {
      l = { id: this.names.deployment(d), group: this.names.group(d.modelName), provider: d.provider, model: this.names.providerModel(d), apiBase: scrubSecrets(d.prepared.baseUrl ?? '') };
      this.deploymentLabels.set(d, l);
    }
    return l;
  }

  private groupOf(ctx: RequestContext): string {
    return this.names.group(ctx.modelGroup ? ctx.modelGroup.name : ctx.requestedModel);
  }

  record(ctx: RequestContext): void {
    const caller = callerLabels(ctx.caller);
    const group = this.groupOf(ctx);
    const dl = ctx.deployment ? this.labelsOf(ctx.deployment) : null;
    const dId = dl ? dl.id : NONE;
    const rowKey = `${group}\u0000${dId}\u0000${caller.id}`;
    let row = this.requests.get(rowKey);
    if (!row) this.requests.set(rowKey, (row = new RequestRow(group, dl, caller)));

    const e = ctx.error;
    const status = e ? e.status : 200;
    const sKey = `${status}|${ctx.outcome}`;
    const s = row.statuses.get(sKey);
    if (s) s.n++;
    else row.statuses.set(sKey, { status, outcome: ctx.outcome, n: 1 });
    if (e) {
      const fKey = `${status}|${e.kind}`;
      const f = row.failures.get(fKey);
      if (f) f.n++;
      else row.failures.set(fKey, { status, kind: e.kind, n: 1 });
      if (status === 429 && ctx.attempts.length === 0) this.rejected(group, caller, ctx.outcomeReason ?? 'rate_limit');
    }
    const usage = ctx.usage;
    if (usage) {
      row.inputTokens += usage.prompt_tokens ?? 0;
      row.outputTokens += usage.completion_tokens ?? 0;
    }
    if (ctx.cost) row.spend += ctx.cost;
    if (ctx.outcome === 'cache_hit') row.cacheHits++;

    const lKey = `${group}\u0000${dId}`;
    let lat = this.latency.get(lKey);
    if (!lat) this.latency.set(lKey, (lat = new LatencyRow(group, dl)));
    lat.duration.observe((ctx.timings.done || ctx.elapsed()) / 1000);
    lat.overhead.observe(ctx.overheadMs() / 1000);
    if (ctx.attempts.length > 0) lat.upstream.observe(ctx.upstreamMs / 1000);
    if (ctx.stream && ctx.timings.firstToken) lat.ttft.observe(ctx.timings.firstToken / 1000);

    if (ctx.fallbackGroup !== null) this.fellBack(ctx, group, caller);
    const limits = ctx.caller.limits;
    if (limits.maxBudget !== null && caller.key) {
      this.budgets.set(caller.key, { caller, max: limits.maxBudget, remaining: limits.maxBudget - limits.spend - (ctx.cost ?? 0) });
    }
  }

  attempt(a: AttemptRecord, ctx: RequestContext): void {
    const dl = this.labelsOf(a.deployment);
    const caller = callerLabels(ctx.caller);
    const group = this.groupOf(ctx);
    const key = `${dl.id}\u0000${group}\u0000${caller.id}`;
    let row = this.attempts.get(key);
    if (!row) this.attempts.set(key, (row = new AttemptRow(dl, group, caller)));
    const status = a.status === null ? NONE : String(a.status);
    const kind = a.errorKind ?? NONE;
    const rKey = `${status}|${kind}`;
    const r = row.results.get(rKey);
    if (r) r.n++;
    else row.results.set(rKey, { status, kind, n: 1 });
    // A client's bad request says nothing about the deployment; an outage or a refused key does.
    this.failing.set(dl.id, a.errorKind !== null && (isRetryableKind(a.errorKind) || a.errorKind === 'auth'));
  }

  private fellBack(ctx: RequestContext, group: string, caller: CallerLabels): void {
    const cause = ctx.attempts.find((a) => a.error !== null);
    const status = cause?.status === null || !cause ? NONE : String(cause.status);
    const kind = cause?.errorKind ?? NONE;
    const fallback = this.names.group(ctx.fallbackGroup!);
    const key = `${group}\u0000${fallback}\u0000${caller.id}\u0000${status}\u0000${kind}`;
    let row = this.fallbacks.get(key);
    if (!row) this.fallbacks.set(key, (row = new FallbackRow(group, fallback, caller, status, kind)));
    if (ctx.error) row.failure++;
    else row.success++;
  }

  private rejected(group: string, caller: CallerLabels, reason: string): void {
    const key = `${group}\u0000${caller.id}\u0000${reason}`;
    let row = this.rejections.get(key);
    if (!row) this.rejections.set(key, (row = new RejectionRow(group, caller, reason)));
    row.n++;
  }
}
