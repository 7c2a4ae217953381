import { createAccessLogger, scrubSecrets, type Gateway, type GatewayError, type Logger, type RequestContext } from '@tollgate/core';

/** A request that ended before it had a context (refused while reading or translating), or that runs no pipeline (count_tokens). */
export interface BareLine {
  requestId: string;
  route: string;
  status: number;
  model?: string;
  err?: GatewayError;
}

/** Writes one access-log line for a finished request. */
export interface RequestLog {
  (ctx: RequestContext, status: number): void;
  bare(line: BareLine): void;
}

/**
 * The cause of a 500, scrubbed: the chain of `cause`s (a plugin's own error, a TypeError in an
 * adapter) with their stacks, so an operator can find it; the client only ever sees "Internal
 * gateway error.".
 */
export function describeCause(err: unknown, secrets: readonly string[] = []): { message: string; stack?: string }[] {
  const chain: { message: string; stack?: string }[] = [];
  for (let e = err, i = 0; e !== undefined && e !== null && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const x = e as { message?: unknown; stack?: unknown; name?: unknown };
    const message = scrubSecrets(typeof x.message === 'string' ? x.message : String(e), secrets);
    chain.push(typeof x.stack === 'string' ? { message, stack: scrubSecrets(x.stack, secrets) } : { message });
  }
  return chain;
}

function logCause(log: Logger, requestId: string, err: GatewayError, secrets: readonly string[]): void {
  log.error({ requestId, status: err.status, kind: err.kind, cause: describeCause(err.cause ?? err, secrets) }, err.kind === 'internal' ? 'internal error' : 'gateway error');
}

/**
 * One line per request, for every inbound format. The line's fields are all built here from
 * non-secret values, so it goes through the non-redacting access logger (see createAccessLogger).
 * A 500's cause is logged whether or not the access log is on.
 */
export function createRequestLog(gateway: Gateway, enabled = true): RequestLog {
  const log = createAccessLogger(gateway.logger);
  const secrets = secretsOf(gateway);
  const cause = (requestId: string, status: number, err: GatewayError | null | undefined): void => {
    // An upstream's own 5xx is in the access line already; the gateway's need their cause.
    if (status >= 500 && err && err.kind !== 'aborted' && err.upstreamStatus === undefined) logCause(gateway.logger, requestId, err, secrets);
  };
  const write = (line: Record<string, unknown>, status: number): void => {
    if (status >= 500) log.error(line, 'request failed');
    else if (status >= 400) log.warn(line, 'request refused');
    else log.info(line, 'request');
  };
  const bare = (l: BareLine): void => {
    cause(l.requestId, l.status, l.err);
    if (enabled) write({ requestId: l.requestId, route: l.route.slice(0, 200), model: l.model, status: l.status, err: l.err?.message }, l.status);
  };
  const full = (ctx: RequestContext, status: number): void => {
    cause(ctx.id, status, ctx.error);
    if (!enabled) return;
    write({
      requestId: ctx.id,
      inbound: ctx.inboundFormat === 'openai' ? undefined : ctx.inboundFormat,
      // Chat is the common case; other operations (embeddings, rerank, ...) are named.
      op: ctx.operation === 'chat' ? undefined : ctx.operation,
      model: ctx.requestedModel,
      deployment: ctx.deployment?.id,
      status,
      outcome: ctx.outcome,
      stream: ctx.stream,
      sameFormat: ctx.sendInboundBody || undefined,
      fallback: ctx.fallbackGroup ?? undefined,
      kind: ctx.error ? ctx.error.kind : undefined,
      reason: ctx.outcomeReason ?? undefined,
      ttftMs: ctx.stream && ctx.timings.firstToken ? Math.round(ctx.timings.firstToken * 100) / 100 : undefined,
      key: ctx.caller.keyAlias ?? undefined,
      ms: Math.round(ctx.elapsed() * 100) / 100,
      overheadMs: Math.round(ctx.overheadMs() * 100) / 100,
      attempts: ctx.attempts.length,
      usage: ctx.usage ? { prompt: ctx.usage.prompt_tokens, completion: ctx.usage.completion_tokens } : undefined,
      err: ctx.error ? ctx.error.message : undefined,
    }, status);
  };
  return Object.assign(full, { bare });
}

/** Every credential a deployment was configured with, to scrub from logged causes. */
function secretsOf(gateway: Gateway): string[] {
  const out: string[] = [];
  const master = gateway.config.settings.master_key;
  if (master) out.push(master);
  for (const d of gateway.allDeployments()) {
    if (typeof d.params.api_key === 'string') out.push(d.params.api_key);
    for (const s of d.prepared?.secrets ?? []) out.push(s);
  }
  return out;
}
