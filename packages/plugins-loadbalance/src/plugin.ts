import {
  ApiError,
  ROUTE_FILTER,
  ROUTE_STRATEGY,
  STAGE_LIMITS,
  TOKENS,
  toGatewayError,
  type AttemptDecision,
  type AttemptRecord as CoreAttemptRecord,
  type Deployment,
  type Gateway,
  type GatewayError,
  type Plugin,
  type RequestContext,
} from '@tollgate/core';
import { LoadBalancer, RouteState } from './balancer.js';
import type { Decision } from './decide.js';
import { withoutRoutingFields } from './request.js';
import { modelInfoKeys, optionsSchema, paramKeys, routerProperties } from './settings/schema.js';
import { resolveRouterSettings } from './settings/settings.js';
import type { AttemptRecord, DeploymentView } from './types.js';
import { deploymentView } from './view.js';

const NAME = '@tollgate/plugin-loadbalance';

/** The plugin's options: any key of the `router:` section (they win over the config's). */
export type LoadBalancePluginOptions = Record<string, unknown>;

type View = DeploymentView & { readonly deployment: Deployment };

/** One request's routing state, and the stats and cooldown writes its attempts started. */
class RequestRouting {
  private writes: Array<Promise<void>> = [];
  constructor(readonly rs: RouteState) {}

  /** Attempt-end writes run without delaying the request; `account` waits for them. */
  track(write: Promise<void>, gateway: Gateway): void {
    this.writes.push(write.catch((err: unknown) => gateway.logger.warn({ err }, 'load balancer: a stats or cooldown write failed')));
  }

  async settled(): Promise<void> {
    while (this.writes.length) await Promise.all(this.writes.splice(0));
  }
}

/** The core's attempt record as the engine reads it. */
function engineRecord(a: CoreAttemptRecord, ctx: RequestContext): AttemptRecord {
  return {
    deploymentId: a.deploymentId,
    group: a.group,
    ok: a.error === null,
    stream: ctx.stream,
    status: a.status,
    errorKind: a.errorKind,
    retryAfter: a.error?.retryAfter,
    startedAt: a.startedAt,
    endedAt: a.endedAt,
    ttftMs: a.firstTokenAt ? a.firstTokenAt - a.startedAt : null,
    usage: a.usage,
  };
}

function coreDecision(d: Exclude<Decision, { action: 'fallback' }>): AttemptDecision {
  return d.action === 'retry' ? { action: 'retry', delayMs: d.delayMs } : { action: d.action };
}

/** Whether the configured strategy reads what attempts record (so the per-attempt tap is needed). */
function tracksAttempts(router: Record<string, unknown>): boolean {
  try {
    return LoadBalancer.tracksAttempts(resolveRouterSettings(router));
  } catch {
    return true; // a bad value stops start-up anyway, with the core's message naming it
  }
}

/**
 * LiteLLM's router on Tollgate's hooks: strategies, order tiers, tags, the pre-call context-window
 * check and cooldowns as `route` taps; retries and fallbacks as `attemptFailed` decisions;
 * stats and the circuit breaker from `attemptEnd`. Everything shared across processes goes
 * through `TOKENS.SharedState` (Redis with `@tollgate/state-redis`).
 */
export const loadBalancePlugin: Plugin<LoadBalancePluginOptions> = {
  name: NAME,
  meta: { core: '^0.1.0' },
  schema: optionsSchema as unknown as Record<string, unknown>,
  config: { router: routerProperties, params: paramKeys, modelInfo: modelInfoKeys },
  apply(gateway, options = {}) {
    const router = { ...gateway.config.router, ...options };
    const slot = gateway.declareSlot<RequestRouting | null>(NAME, null);
    const views = new WeakMap<Deployment, View>();
    const viewOf = (d: Deployment): View => {
      let v = views.get(d);
      if (!v) views.set(d, (v = deploymentView(d, { deployment: d })));
      return v;
    };
    const toDeployments = (vs: readonly View[]): Deployment[] => vs.map((v) => v.deployment);
    let lb!: LoadBalancer;

    // At ready: the config has passed the core's key checks, and a Redis store registered by a
    // plugin loaded after this one is in the container.
    gateway.hooks.ready.tapPromise(NAME, async () => {
      lb = new LoadBalancer({ settings: resolveRouterSettings(router, gateway.config.origins), state: gateway.container.resolve(TOKENS.SharedState) });
    });

    gateway.hooks.route.tapPromise({ name: NAME, stage: ROUTE_FILTER }, async (candidates, ctx) => {
      let r = slot.get(ctx);
      if (!r) {
        r = new RequestRouting(lb.begin(ctx.request, ctx.headers));
        slot.set(ctx, r);
        // LiteLLM's routing fields are read here; none of them goes upstream.
        const stripped = withoutRoutingFields(ctx.request);
        if (stripped) ctx.request = stripped;
      }
      const { rs } = r;
      // A fallback group was entered by attemptFailed before it asked for the plan.
      const group = rs.triedGroups.length ? rs.triedGroups[rs.triedGroups.length - 1] : ctx.modelGroup!.name;
      let vs = lb.enterGroup(candidates.map(viewOf), group, rs);
      vs = lb.filterTags(vs, rs);
      vs = lb.filterContextWindow(vs, rs);
      vs = await lb.filterCooldown(vs, rs);
      return toDeployments(vs);
    });

    gateway.hooks.route.tapPromise({ name: NAME, stage: ROUTE_STRATEGY }, async (candidates, ctx) => {
      const r = slot.get(ctx);
      if (!r) return candidates;
      const plan = await lb.order(candidates.map(viewOf), r.rs);
      // Every deployment cooling, too small or at its rpm: decided on like a failed attempt (fallbacks first).
      if (plan.length === 0 && r.rs.failure) throw r.rs.failure;
      return toDeployments(plan);
    });

    if (tracksAttempts(router)) {
      gateway.hooks.transformRequest.tapPromise({ name: NAME, stage: STAGE_LIMITS, marksChanges: true }, async (request, ctx) => {
        const r = slot.get(ctx);
        if (r && ctx.deployment) await lb.attemptStarting(viewOf(ctx.deployment), r.rs);
        return request;
      });
    }

    gateway.hooks.attemptEnd.tap(NAME, (attempt, ctx) => {
      const r = slot.get(ctx);
      if (!r) return;
      // A refused credential fetched from the network (an expired token) is refreshed and tried once
      // more by the core without asking attemptFailed: it counts against the deployment only if
      // attemptFailed hears of it.
      const deferFailure = attempt.errorKind === 'auth' && attempt.deployment.prepared.authorize !== undefined;
      r.track(lb.attemptEnded(viewOf(attempt.deployment), engineRecord(attempt, ctx), r.rs, { deferFailure }), gateway);
    });

    gateway.hooks.attemptFailed.tapPromise(NAME, async (error, ctx) => {
      const r = slot.get(ctx);
      if (!r) return undefined;
      const last = ctx.attempts[ctx.attempts.length - 1];
      if (last?.error === error && error.kind === 'auth' && last.deployment.prepared.authorize) r.track(lb.recordDeferredFailure(viewOf(last.deployment), error, r.rs), gateway);
      let d = lb.afterFailure(error, r.rs);
      // A fallback group that cannot serve (every deployment cooling, unknown, not this key's) moves on to the next.
      while (d.action === 'fallback') {
        let failure: GatewayError;
        lb.enterGroup([], d.group, r.rs);
        try {
          const plan = await gateway.planFor(d.group, ctx);
          if (plan.length) return { action: 'fallback', plan };
          failure = r.rs.failure ?? new ApiError(`No deployment available for model \`${d.group}\`.`, { status: 503, code: 'no_deployment', kind: 'overloaded' });
        } catch (err) {
          failure = toGatewayError(err);
        }
        d = lb.afterFailure(failure, r.rs);
      }
      return coreDecision(d);
    });

    gateway.hooks.account.tapPromise(NAME, async (ctx) => {
      const r = slot.get(ctx);
      if (!r) return;
      await r.settled();
      await lb.end(r.rs);
    });
  },
};
