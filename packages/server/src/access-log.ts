import { createAccessLogger, requestRecord, STAGE_LAST, type Gateway, type GatewayError } from '@tollgate/core';

export interface RequestLogOptions {
  /** Include the request and answer bodies, redacted (`settings.log_request_bodies`). */
  bodies?: boolean;
}

const tapped = new WeakSet<Gateway>();

/**
 * One line per request, for every inbound format and every path (answers, refusals, failures,
 * aborted streams, internal calls), written from the `account` hook: after the last byte, so it
 * never delays an answer, and after the taps that price the request (`cost`). Its fields are all
 * built by `requestRecord` from non-secret values, so it goes through the non-redacting access
 * logger (see createAccessLogger); bodies, when on, are redacted by `redactBody`.
 */
export function tapRequestLog(gateway: Gateway, options: RequestLogOptions = {}): void {
  const log = createAccessLogger(gateway.logger);
  if (tapped.has(gateway) || !log.isLevelEnabled('error')) return;
  tapped.add(gateway);
  const bodies = { bodies: options.bodies === true };
  gateway.hooks.account.tap({ name: 'tollgate:request-log', stage: STAGE_LAST }, (ctx) => {
    const status = ctx.error ? ctx.error.status : 200;
    if (status >= 500) log.error(requestRecord(ctx, bodies), 'request failed');
    else if (status >= 400) {
      if (log.isLevelEnabled('warn')) log.warn(requestRecord(ctx, bodies), 'request refused');
    } else if (log.isLevelEnabled('info')) log.info(requestRecord(ctx, bodies), 'request');
  });
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
