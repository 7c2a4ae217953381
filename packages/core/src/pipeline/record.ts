import { createHash } from 'node:crypto';
import { scrubSecrets } from '../logger.js';
import type { Caller } from './caller.js';
import type { RequestContext } from './context.js';

/**
 * One finished request, as the request log writes it and loggers ship it: built only from
 * values Tollgate sets itself (ids, names, numbers, scrubbed error messages), never from a key.
 * Absent facts are `undefined`, so a JSON line carries only what happened.
 */
export interface RequestRecord {
  requestId: string;
  /** Epoch ms at receipt. */
  start: number;
  operation: string;
  /** The client's wire format when not OpenAI's ('anthropic'). */
  inbound: string | undefined;
  /** The model the client asked for. */
  model: string;
  /** The group that served it (the requested one, resolved through aliases and wildcards). */
  modelGroup: string | undefined;
  /** The group that answered after a fallback. */
  fallback: string | undefined;
  deployment: string | undefined;
  provider: string | undefined;
  /** The HTTP status the request ended with (a stream that failed after its head: the failure's). */
  status: number;
  outcome: string;
  reason: string | undefined;
  /** The error's kind (rate_limit, timeout, ...). */
  kind: string | undefined;
  attempts: number;
  cache: 'hit' | undefined;
  stream: boolean;
  /** The caller's key alias, else a short hash of its key id (never the key). */
  key: string | undefined;
  team: string | undefined;
  internal: true | undefined;
  tokensIn: number | undefined;
  tokensOut: number | undefined;
  /** USD, when a cost plugin priced the request. */
  cost: number | undefined;
  ms: number;
  /** Time to the first content token (streams). */
  ttftMs: number | undefined;
  upstreamMs: number;
  /** Tollgate's own time: total minus time waiting on upstreams. */
  overheadMs: number;
  err: string | undefined;
  /** The request and answer bodies, redacted: only with `{ bodies: true }`. */
  request?: unknown;
  response?: unknown;
}

export interface RecordOptions {
  /** Include the request and response bodies, redacted (default false). */
  bodies?: boolean;
}

const hashes = new WeakMap<Caller, string | null>();

/** A short, stable hash of the caller's key id (12 hex chars of SHA-256), cached per Caller; null when anonymous. */
export function keyHash(caller: Caller): string | null {
  let h = hashes.get(caller);
  if (h === undefined) {
    h = caller.keyId === null ? null : createHash('sha256').update(caller.keyId).digest('hex').slice(0, 12);
    hashes.set(caller, h);
  }
  return h;
}

/** The caller's label in logs and metrics: its key alias, else its key hash. */
export function keyLabel(caller: Caller): string | undefined {
  return caller.keyAlias ?? keyHash(caller) ?? undefined;
}

const ms = (v: number): number => Math.round(v * 100) / 100;

export function requestRecord(ctx: RequestContext, options: RecordOptions = {}): RequestRecord {
  const e = ctx.error;
  const usage = ctx.usage;
  const record: RequestRecord = {
    requestId: ctx.id,
    start: ctx.startedAtEpochMs,
    operation: ctx.operation,
    inbound: ctx.inboundFormat === 'openai' ? undefined : ctx.inboundFormat,
    model: ctx.requestedModel,
    modelGroup: ctx.modelGroup?.name,
    fallback: ctx.fallbackGroup ?? undefined,
    deployment: ctx.deployment?.id,
    provider: ctx.deployment?.provider,
    status: e ? e.status : 200,
    outcome: ctx.outcome,
    reason: ctx.outcomeReason ?? undefined,
    kind: e ? e.kind : undefined,
    attempts: ctx.attempts.length,
    cache: ctx.outcome === 'cache_hit' ? 'hit' : undefined,
    stream: ctx.stream,
    key: keyLabel(ctx.caller),
    team: ctx.caller.teamId ?? undefined,
    internal: ctx.internal ? true : undefined,
    tokensIn: usage?.prompt_tokens,
    tokensOut: usage?.completion_tokens,
    cost: ctx.cost ?? undefined,
    ms: ms(ctx.timings.done || ctx.elapsed()),
    ttftMs: ctx.stream && ctx.timings.firstToken ? ms(ctx.timings.firstToken) : undefined,
    upstreamMs: ms(ctx.upstreamMs),
    overheadMs: ms(ctx.overheadMs()),
    err: e ? e.message : undefined,
  };
  if (options.bodies) {
    record.request = redactBody(ctx.request);
    record.response = ctx.response === null ? undefined : redactBody(ctx.response);
  }
  return record;
}

/** Fields whose values are credentials wherever they appear in a body. */
const SECRET_FIELD = /^(api[_-]?key|authorization|x-api-key|password|secret|client_secret|private_key|access_token|refresh_token|aws_secret_access_key|aws_session_token|master_key|extra_headers)$/i;
const MAX_STRING = 4096;
const MAX_DEPTH = 12;

/**
 * A copy of a request or answer body fit for a log: credential-shaped fields replaced, key-shaped
 * strings scrubbed, long strings (base64 images) cut.
 */
export function redactBody(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    const s = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[${value.length - MAX_STRING} more chars]` : value;
    return scrubSecrets(s);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactBody(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactBody(v, depth + 1);
  return out;
}
