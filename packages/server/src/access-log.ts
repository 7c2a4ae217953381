import { createAccessLogger, requestRecord, scrubSecrets, STAGE_LAST, type Gateway, type GatewayError, type Logger, type RequestContext } from '@tollgate/core';

/** A request that ended before it had a context (refused while reading or translating), or that runs no pipeline (count_tokens). */
export interface BareLine {
  requestId: string;
  route: string;
  status: number;
  model?: string;
  err?: GatewayError;
}

/** The server's request log: every request's line comes from `account`; `bare` writes the line of a request that never had a context. */
export interface RequestLog {
  bare(line: BareLine): void;
}

export interface RequestLogOptions {
  /** Write the per-request lines (the causes of 500s are logged either way). */
  enabled: boolean;
  /** Include the request and answer bodies, redacted (`settings.log_request_bodies`). */
  bodies: boolean;
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

const tapped = new WeakSet<Gateway>();

/**
 * One line per request, for every inbound format and every path (answers, refusals, failures,
 * aborted streams, internal calls), written from the `account` hook at `STAGE_LAST`: after the last
 * byte, so it never delays an answer, and after the taps that price the request. Its fields are
 * built by the core's `requestRecord` from non-secret values, so it goes through the non-redacting
 * access logger (see createAccessLogger); bodies, when on, are redacted by `redactBody`. A 500's
 * cause is logged whether or not the per-request lines are on.
 */
export function createRequestLog(gateway: Gateway, options: RequestLogOptions): RequestLog {
  const log = createAccessLogger(gateway.logger);
  const secrets = secretsOf(gateway);
  const cause = (requestId: string, status: number, err: GatewayError | null | undefined): void => {
    // An upstream's own 5xx is in the access line already; the gateway's need their cause.
    if (status >= 500 && err && err.kind !== 'aborted' && err.upstreamStatus === undefined) logCause(gateway.logger, requestId, err, secrets);
  };
  const write = (line: Record<string, unknown> | (() => Record<string, unknown>), status: number): void => {
    if (status >= 500) log.error(typeof line === 'function' ? line() : line, 'request failed');
    else if (status >= 400) { if (log.isLevelEnabled('warn')) log.warn(typeof line === 'function' ? line() : line, 'request refused'); }
    else if (log.isLevelEnabled('info')) log.info(typeof line === 'function' ? line() : line, 'request');
  };
  if (!tapped.has(gateway)) {
    tapped.add(gateway);
    const bodies = { bodies: options.bodies };
    gateway.hooks.account.tap({ name: 'tollgate:request-log', stage: STAGE_LAST }, (ctx: RequestContext) => {
      const status = ctx.error ? ctx.error.status : 200;
      cause(ctx.id, status, ctx.error);
      if (options.enabled) write(() => requestRecord(ctx, bodies) as unknown as Record<string, unknown>, status);
    });
  }
  return {
    bare(l) {
      cause(l.requestId, l.status, l.err);
      if (options.enabled) write({ requestId: l.requestId, route: l.route.slice(0, 200), model: l.model, status: l.status, err: l.err?.message }, l.status);
    },
  };
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
