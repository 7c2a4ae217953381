import { setTimeout as sleep } from 'node:timers/promises';
import type { Deployment, ProviderAdapter } from '../adapter.js';
import { ApiError, ModelNotFoundError, PermissionDeniedError, toGatewayError, type GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelRegistry } from '../models/registry.js';
import { defaultDecision, type RetrySettings } from '../routing/retry.js';
import { awaitHolds, runAttempt, type AttemptEnv, type ExecuteResult } from './attempt.js';
import { mayUseModel } from './caller.js';
import type { RequestContext } from './context.js';
import type { AttemptDecision, PreRouteDecision } from './hooks.js';
import { ResponseStream } from './response-stream.js';
import { ReplaySource } from './stream.js';

/** No request makes more attempts than this, whatever plugins decide. */
const MAX_ATTEMPTS = 25;

export interface PipelineEnv extends AttemptEnv {
  registry: ModelRegistry;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  retry: RetrySettings;
  logger: Logger;
}

export interface ExecuteOptions {
  /**
   * The consumer writes SSE itself (the reference server): a same-format upstream's event text may
   * come back as ready strings. In-code callers get canonical chunk objects only.
   */
  rawEvents?: boolean;
}

type AnyTap = { type: string; fn: (...args: unknown[]) => unknown };

/**
 * Run `preRoute`'s taps in stage order, each with the current `ctx.request` (an earlier tap may
 * have replaced it), stopping at the first that answers.
 */
async function runPreRoute(env: PipelineEnv, ctx: RequestContext): Promise<PreRouteDecision> {
  const hook = env.hooks.preRoute;
  for (const i of hook.interceptors) i.call?.(ctx.request, ctx);
  for (const tap of hook.taps as unknown as AnyTap[]) {
    let r: unknown;
    if (tap.type === 'sync') r = tap.fn(ctx.request, ctx);
    else if (tap.type === 'promise') r = await tap.fn(ctx.request, ctx);
    else r = await new Promise((resolve, reject) => tap.fn(ctx.request, ctx, (err: unknown, v: unknown) => (err ? reject(err) : resolve(v))));
    if (r !== undefined) return r as PreRouteDecision;
  }
  return undefined;
}

function normalizeDecision(d: AttemptDecision | string | undefined | void): AttemptDecision | undefined {
  if (!d) return undefined;
  // A bare action string is accepted for plugins written against the first hook shape.
  return typeof d === 'string' ? { action: d as AttemptDecision['action'] } : d;
}

/** The request pipeline: preRoute, route, attempts (with retries and fallbacks), and the ready-answer path. */
export class Pipeline {
  constructor(private readonly env: PipelineEnv) {}

  /**
   * Run one request. For streams, resolves once the first content event has arrived (so every
   * failure before it can be retried or fall back) with a ResponseStream the caller reads.
   * `account` runs exactly once per request, after the answer is handed over.
   */
  async execute(ctx: RequestContext, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    const { hooks, lifecycle } = this.env;
    lifecycle.begin(ctx);
    let handed = false;
    try {
      if (hooks.preRoute.isUsed()) {
        const t = performance.now();
        const decision = await runPreRoute(this.env, ctx);
        ctx.stages.preRoute += performance.now() - t;
        if (decision && 'reject' in decision) {
          ctx.outcome = 'rejected';
          ctx.outcomeReason = decision.reason ?? null;
          throw decision.reject;
        }
        if (decision && 'respond' in decision) {
          const result = await this.respond(ctx, decision.respond, decision.reason);
          handed = result.kind === 'stream';
          return result;
        }
      }
      const name = ctx.spec.model(ctx.request);
      const group = this.env.registry.resolve(name);
      if (!group) throw new ModelNotFoundError(name);
      if (!mayUseModel(ctx.caller, name) && !mayUseModel(ctx.caller, group.name)) {
        throw new PermissionDeniedError(`This key may not use the model \`${name}\`.`, { param: 'model', code: 'model_not_allowed' });
      }
      ctx.modelGroup = group;
      let plan: Deployment[] = group.deployments as Deployment[];
      if (ctx.pinnedDeployment !== null) {
        plan = plan.filter((d) => d.id === ctx.pinnedDeployment);
        if (!plan.length) throw new ModelNotFoundError(`${name} (deployment ${ctx.pinnedDeployment})`);
      } else if (hooks.route.isUsed()) {
        const t = performance.now();
        plan = await hooks.route.promise(plan.slice(), ctx);
        ctx.stages.route += performance.now() - t;
      }
      ctx.timings.routed = ctx.elapsed();
      const result = await this.attempts(ctx, plan, opts.rawEvents === true);
      handed = result.kind === 'stream';
      return result;
    } catch (err) {
      const e = toGatewayError(err);
      if (e.kind === 'internal') this.env.logger.error({ err: (e.cause ?? e), requestId: ctx.id }, 'request failed inside the gateway');
      await lifecycle.fail(ctx, e);
      throw e;
    } finally {
      if (!handed) lifecycle.finish(ctx);
    }
  }

  private async attempts(ctx: RequestContext, plan: Deployment[], rawEvents: boolean): Promise<ExecuteResult> {
    if (plan.length === 0) {
      throw new ApiError(`No deployment available for model \`${ctx.requestedModel}\`.`, { status: 503, code: 'no_deployment', kind: 'overloaded' });
    }
    const { hooks } = this.env;
    const original = ctx.request;
    let index = 0;
    let retries = 0;
    let refreshed = false;
    for (let count = 1; ; count++) {
      const d = plan[index];
      try {
        return await runAttempt(this.env, ctx, this.env.adapters.get(d.provider)!, d, original, rawEvents);
      } catch (err) {
        const e = toGatewayError(err);
        if (ctx.aborted) throw e;
        // A credential the upstream refused (expired, rotated): fetch a fresh one, once.
        const view = this.env.credentialViews.get(d.id);
        if (e.kind === 'auth' && view && !refreshed && view.invalidateUsed() > 0) {
          refreshed = true;
          continue;
        }
        // A pinned request (a health probe) reports this deployment's answer, whatever it was.
        if (ctx.pinnedDeployment !== null) throw e;
        let decision: AttemptDecision | undefined;
        if (hooks.attemptFailed.isUsed()) {
          const t = performance.now();
          decision = normalizeDecision(await hooks.attemptFailed.promise(e, ctx));
          ctx.stages.attemptFailed += performance.now() - t;
        }
        decision ??= defaultDecision(e, { index, planLength: plan.length, retries }, this.env.retry);
        if (count >= MAX_ATTEMPTS) throw e;
        switch (decision.action) {
          case 'stop':
            throw e;
          case 'next':
            if (++index >= plan.length) throw e;
            break;
          case 'retry':
            retries++;
            break;
          case 'fallback':
            if (!decision.plan?.length) throw e;
            plan = decision.plan;
            index = 0;
            ctx.fallbackGroup = plan[0].modelName === ctx.requestedModel ? null : plan[0].modelName;
            break;
        }
        this.env.logger.warn({ requestId: ctx.id, deployment: d.id, status: e.status, kind: e.kind, err: e.message, next: decision.action, delayMs: decision.delayMs }, 'attempt failed');
        if (decision.delayMs && decision.delayMs > 0) {
          // The caller going away ends the wait.
          await sleep(decision.delayMs, undefined, { signal: ctx.signal }).catch(() => { throw ctx.cancellation.reason ?? e; });
        }
      }
    }
  }

  /** A ready answer from `preRoute` (cache hit, guardrail reply): transformResponse runs, then it is handed over (replayed as chunks to a streaming client). */
  private async respond(ctx: RequestContext, answer: unknown, reason: string | undefined): Promise<ExecuteResult> {
    const { hooks, lifecycle } = this.env;
    ctx.outcome = reason === 'cache_hit' ? 'cache_hit' : 'responded';
    ctx.outcomeReason = reason ?? null;
    if (ctx.answerHolds) await awaitHolds(ctx);
    let response = answer;
    if (hooks.transformResponse.isUsed()) {
      const t = performance.now();
      response = await hooks.transformResponse.promise(answer, ctx);
      ctx.stages.transformResponse += performance.now() - t;
    }
    ctx.response = response;
    ctx.usage = ctx.spec.usage(response);
    ctx.finishReason = ctx.spec.finishReason?.(response) ?? null;
    const streamSpec = ctx.spec.stream;
    if (!ctx.stream || !streamSpec) return { kind: 'response', response };
    const source = new ReplaySource(streamSpec.replay(response, ctx.clientWantsUsage));
    const stream = new ResponseStream(source, async (e: GatewayError | null) => {
      ctx.timings.lastByte = ctx.elapsed();
      if (e) await lifecycle.fail(ctx, e);
      lifecycle.finish(ctx);
    }, this.env.unreadStreamMs);
    lifecycle.handedStream(ctx, stream as ResponseStream<unknown>);
    return { kind: 'stream', stream };
  }
}
