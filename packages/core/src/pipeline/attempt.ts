import type { Deployment, ProviderAdapter, Translator } from '../adapter.js';
import { AbortedError, BadRequestError, GatewayError, TimeoutError, parseRetryAfterHeaders, scrubErrorMessage, toGatewayError } from '../errors.js';
import { scrubSecrets } from '../logger.js';
import type { StatsStore } from '../routing/stats.js';
import type { CredentialsService } from '../transport/credentials.js';
import type { AbortSource, SendOptions, Transport, UpstreamResponse } from '../transport/types.js';
import type { ChildCancellation } from './cancellation.js';
import type { AttemptRecord, RequestContext } from './context.js';
import type { GatewayHooks } from './hooks.js';
import type { Lifecycle } from './lifecycle.js';
import type { Deadline, Deadlines } from './deadlines.js';
import { ResponseStream } from './response-stream.js';
import { StreamRun } from './stream.js';

/** The answer to a request: a complete response, or a stream whose first content has arrived. */
export type ExecuteResult =
  | { kind: 'response'; response: any }
  | { kind: 'stream'; stream: ResponseStream };

/** Per-deployment time limits, in ms. */
export interface AttemptLimits {
  /** A whole non-streamed attempt. */
  timeoutMs: number;
  /** A stream's time to its first content event. */
  streamTimeoutMs: number;
  /** The longest gap between two upstream reads. */
  idleTimeoutMs: number;
}

export interface AttemptEnv {
  hooks: GatewayHooks;
  lifecycle: Lifecycle;
  stats: StatsStore;
  transport: Transport;
  credentials: CredentialsService;
  /** Per-deployment credential views, for deployments whose credentials come from the network. */
  credentialViews: Map<string, CredentialsService>;
  limits(d: Deployment): AttemptLimits;
  deadlines: Deadlines;
  /** No `preRoute`/`transformRequest` tap that might change the request without saying so. */
  requestTapsMark: boolean;
  /** No `transformResponse` tap that might change the answer without saying so. */
  responseTapsMark: boolean;
  unreadStreamMs: number;
}

/** SendOptions whose AbortSignal is only made when a transport reads it. */
class UpstreamSendOptions implements SendOptions {
  constructor(readonly abort: AbortSource & { signal: AbortSignal }, readonly headersTimeoutMs: number, readonly bodyTimeoutMs: number) {}
  get signal(): AbortSignal {
    return this.abort.signal;
  }
}

function translatorFor(adapter: ProviderAdapter, d: Deployment, operation: string): Translator {
  const t = adapter.operations[operation];
  if (!t) throw new BadRequestError(`Provider ${d.provider} (model group \`${d.modelName}\`) does not serve ${operation}.`, { param: 'model', code: 'unsupported_operation' });
  return t;
}

/**
 * One attempt against one deployment: transformRequest, the adapter's request, credentials, send,
 * then either the complete answer or a stream read up to its first content event (so a failure
 * before it is still this attempt's failure, open to retry and fallback). Records the attempt
 * and its stats whatever happens.
 */
export async function runAttempt(env: AttemptEnv, ctx: RequestContext, adapter: ProviderAdapter, d: Deployment, original: unknown, rawEvents: boolean): Promise<ExecuteResult> {
  const { hooks } = env;
  const record: AttemptRecord = {
    deployment: d,
    deploymentId: d.id,
    group: d.modelName,
    provider: d.provider,
    startedAt: ctx.elapsed(),
    endedAt: 0,
    firstTokenAt: 0,
    status: null,
    errorKind: null,
    error: null,
    usage: null,
  };
  ctx.attempts.push(record);
  ctx.deployment = d;
  env.stats.start(d);
  const cancel: ChildCancellation = ctx.cancellation.child();
  let timer: Deadline | null = null;
  let ended = false;
  const end = (e: GatewayError | null): void => {
    if (ended) return;
    ended = true;
    env.deadlines.clear(timer);
    cancel.unlink();
    if (!record.endedAt) record.endedAt = ctx.elapsed();
    record.error = e;
    record.errorKind = e ? e.kind : null;
    if (!e) record.usage = ctx.usage;
    env.stats.end(d, record);
    if (hooks.attemptEnd.isUsed()) hooks.attemptEnd.call(record, ctx);
  };
  let sentAt = 0;
  try {
    const translator = translatorFor(adapter, d, ctx.operation);
    const wire = translator.wireFormat ?? d.prepared.wireFormat;
    const sameFormat = wire === ctx.inboundFormat;
    let request = original;
    if (hooks.transformRequest.isUsed()) {
      const t = performance.now();
      request = await hooks.transformRequest.promise(original, ctx);
      ctx.stages.transformRequest += performance.now() - t;
    }
    // The client's own bytes go upstream only when nothing changed (or may have changed) the request.
    ctx.sendInboundBody = sameFormat && ctx.inboundBody !== null && request === original && !ctx.requestChanged && env.requestTapsMark;
    const upstreamReq = translator.buildRequest(request, d, ctx);
    // A new object: adapters share one headers object per deployment.
    if (ctx.upstreamHeaders) upstreamReq.headers = { ...upstreamReq.headers, ...ctx.upstreamHeaders };
    if (d.prepared.authorize) await d.prepared.authorize(upstreamReq, env.credentialViews.get(d.id) ?? env.credentials);

    const limits = env.limits(d);
    const firstLimitMs = ctx.stream ? limits.streamTimeoutMs : limits.timeoutMs;
    timer = env.deadlines.add(firstLimitMs, () => {
      const what = ctx.stream ? 'sent no content within stream_timeout' : 'did not answer within timeout';
      cancel.abort(new TimeoutError(`Upstream ${d.provider} ${what} (${Math.round(firstLimitMs / 100) / 10} s).`, { provider: d.provider }));
    });
    sentAt = performance.now();
    if (!ctx.timings.upstreamStart) ctx.timings.upstreamStart = ctx.elapsed();
    let res: UpstreamResponse | undefined | void;
    if (hooks.send.isUsed()) {
      res = await hooks.send.promise(upstreamReq, ctx);
      ctx.stages.send += performance.now() - sentAt;
    }
    res ??= await (d.prepared.transport ?? env.transport).send(upstreamReq, new UpstreamSendOptions(cancel, firstLimitMs, limits.idleTimeoutMs));
    record.status = res.status;
    ctx.timings.upstreamHeaders = ctx.elapsed();

    if (res.status >= 400) {
      const body = await res.text().catch(() => '');
      ctx.upstreamMs += performance.now() - sentAt;
      const e = adapter.mapError({ status: res.status, headers: res.headers, body: scrubSecrets(body, secretsOf(d)) }, d);
      e.retryAfter ??= parseRetryAfterHeaders(res.headers);
      throw e;
    }

    if (ctx.stream) {
      if (!translator.createStreamParser || !ctx.spec.stream) throw new BadRequestError(`Provider ${d.provider} does not stream ${ctx.operation}.`, { param: 'stream' });
      const run = new StreamRun(ctx, {
        hooks,
        deployment: d,
        spec: ctx.spec.stream,
        parser: translator.createStreamParser(d, ctx),
        upstream: res,
        record,
        cancellation: cancel,
        rawText: rawEvents && sameFormat && !hooks.transformChunk.isUsed() && ctx.chunkWatchers === null,
        openaiWire: wire === 'openai',
        sentAt,
        scrub: (t) => scrubSecrets(t, secretsOf(d)),
        onFirstContent: () => env.deadlines.clear(timer),
      });
      await run.prime();
      env.deadlines.clear(timer);
      if (ctx.answerHolds) {
        try {
          await awaitHolds(ctx);
        } catch (err) {
          run.abort(toGatewayError(err));
          throw err;
        }
      }
      const stream = new ResponseStream(run, (e) => settleStream(env, ctx, e, end), env.unreadStreamMs);
      env.lifecycle.handedStream(ctx, stream as ResponseStream<unknown>);
      return { kind: 'stream', stream };
    }

    const text = await res.text();
    env.deadlines.clear(timer);
    ctx.upstreamMs += performance.now() - sentAt;
    record.endedAt = ctx.timings.firstToken = ctx.elapsed();
    let response = translator.parseResponse(parseUpstreamJson(text), d, ctx);
    ctx.usage = ctx.spec.usage(response);
    ctx.finishReason = ctx.spec.finishReason?.(response) ?? null;
    end(null);
    if (ctx.answerHolds) await awaitHolds(ctx);
    if (sameFormat && env.responseTapsMark) ctx.rawResponseText = text;
    if (hooks.transformResponse.isUsed()) {
      const t = performance.now();
      const out = await hooks.transformResponse.promise(response, ctx);
      ctx.stages.transformResponse += performance.now() - t;
      if (out !== response) ctx.markResponseChanged();
      response = out;
    }
    ctx.response = response;
    ctx.outcome = 'ok';
    return { kind: 'response', response };
  } catch (err) {
    // A timeout aborts the attempt's cancellation: report the timeout, not the transport's abort.
    let e = cancel.aborted && cancel.reason && !ctx.aborted ? cancel.reason : toGatewayError(err);
    if (ctx.aborted && e.kind !== 'aborted') e = ctx.cancellation.reason ?? e;
    // Every error message leaves scrubbed of the deployment's credentials, whatever the adapter did.
    scrubErrorMessage(e, (t) => scrubSecrets(t, secretsOf(d)));
    if (sentAt && !record.endedAt) ctx.upstreamMs += performance.now() - sentAt;
    end(e);
    throw e;
  }
}

/**
 * What holds the answer (`ctx.holdAnswer`) has settled: go on, unless the request was refused or
 * cancelled meanwhile (then its reason is the error).
 */
export async function awaitHolds(ctx: RequestContext): Promise<void> {
  await Promise.all(ctx.answerHolds ?? []);
  if (ctx.aborted) throw ctx.cancellation.reason ?? new AbortedError();
}

/** A handed-out stream is over: record the attempt, the outcome, and finish the request once. */
async function settleStream(env: AttemptEnv, ctx: RequestContext, error: GatewayError | null, end: (e: GatewayError | null) => void): Promise<void> {
  ctx.timings.lastByte = ctx.elapsed();
  if (!error) {
    end(null);
    ctx.outcome = 'ok';
  } else {
    if (error.kind === 'aborted') ctx.abort(error);
    // A stream a plugin refused (ctx.endStream with a refusal): the upstream did its part.
    end(error === ctx.streamEndError ? null : error);
    await env.lifecycle.fail(ctx, error);
  }
  env.lifecycle.finish(ctx);
}

/** Every secret a deployment declared, for scrubbing. */
export function secretsOf(d: Deployment): readonly (string | undefined)[] {
  const s = d.prepared.secrets;
  return s ? [d.params.api_key, ...s] : [d.params.api_key];
}

/** JSON.parse that reports an upstream's malformed body as a 502, not a crash. */
export function parseUpstreamJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GatewayError(502, 'api_error', 'Upstream returned a malformed response body.', { code: 'bad_upstream_response', kind: 'server', cause: err });
  }
}
