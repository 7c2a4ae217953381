import { createAccessLogger, type Gateway, type GatewayError, type RequestContext } from '@tollgate/core';

/** Writes one access-log line for a finished request. */
export type RequestLog = (ctx: RequestContext, status: number) => void;

/**
 * One line per request, for every inbound format. The line's fields are all built here from
 * non-secret values, so it goes through the non-redacting access logger (see createAccessLogger).
 */
export function createRequestLog(gateway: Gateway, enabled = true): RequestLog {
  if (!enabled) return () => undefined;
  const log = createAccessLogger(gateway.logger);
  return (ctx, status) => {
    const line = {
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
    };
    if (status >= 500) log.error(line, 'request failed');
    else if (status >= 400) log.warn(line, 'request refused');
    else log.info(line, 'request');
  };
}

/** A line for a request that failed before it had a context (bad key, bad body, unknown route). */
export type EarlyLog = (requestId: string, method: string | undefined, path: string, e: GatewayError) => void;

export function createEarlyLog(gateway: Gateway, enabled = true): EarlyLog {
  if (!enabled) return () => undefined;
  const log = createAccessLogger(gateway.logger);
  return (requestId, method, path, e) => {
    const line = { requestId, method, path, status: e.status, kind: e.kind, err: e.message };
    if (e.status >= 500) log.error(line, 'request failed');
    else log.warn(line, 'request refused');
  };
}
