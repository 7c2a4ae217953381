import {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  SyncHook,
  SyncWaterfallHook,
} from 'tapable';
import type { Deployment } from '../adapter.js';
import type { GatewayError } from '../errors.js';
import type { UpstreamRequest, UpstreamResponse } from '../transport/types.js';
import type { Caller } from './caller.js';
import type { AttemptRecord, RequestContext } from './context.js';

/**
 * Order within a hook comes from these stages, never from load or config order
 * (tap with `{ name, stage }`). Lower runs first. In `preRoute`, auth runs before limits,
 * input guards and the cache, so the cache key is taken on the masked request and the tenant.
 */
export const STAGE_AUTH = -400;
export const STAGE_LIMITS = -300;
export const STAGE_INPUT_GUARD = -200;
export const STAGE_CACHE = -100;
export const STAGE_DEFAULT = 0;
/** For taps that must see the final value (logging, metrics). */
export const STAGE_LAST = 1000;

/**
 * Stages of the `route` waterfall: the core's default step (model lookup, the group's deployments
 * by `order`) has already produced the candidates; filters remove, the strategy orders.
 */
export const ROUTE_FILTER = -100;
export const ROUTE_STRATEGY = 0;
export const ROUTE_LAST = 100;

/** Why `preRoute` answered early: `ctx.outcomeReason`. `cache_hit` also sets `ctx.outcome` to `cache_hit`. */
export type RespondReason = 'cache_hit' | 'guardrail' | 'limit' | (string & {});

/** A `preRoute` tap may end the request early: with a ready answer, or with an error. */
export type PreRouteDecision =
  | { respond: unknown; reason?: RespondReason }
  | { reject: GatewayError; reason?: string }
  | undefined
  | void;

/** What to do after a failed attempt. */
export interface AttemptDecision {
  /**
   * `retry` the same deployment (after `delayMs`), try the `next` one of the plan, switch to a
   * `fallback` plan (another group's deployments, in `plan`), or `stop` and answer with the error.
   */
  action: 'retry' | 'next' | 'fallback' | 'stop';
  delayMs?: number;
  plan?: Deployment[];
}

/** What the authentication step sees: headers only, before any body is read. */
export interface AuthRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  /** The key the client presented (`Authorization: Bearer`, `x-api-key`, `api-key`), if any. */
  readonly key: string | undefined;
  /** The HTTP path, when the request came through a server. */
  readonly path: string | undefined;
  /**
   * sha256 of `key`, when the core computed it to compare with the master key: a keys plugin that
   * stores sha256 hashes of its keys looks the key up with it instead of hashing it again.
   */
  readonly keyDigest?: Buffer;
}

/**
 * The tap option the core reads on `preRoute`, `transformRequest` and `transformResponse`:
 * `marksChanges: true` says the tap calls `ctx.markRequestChanged()` (or `markResponseChanged()`)
 * whenever it changes the value in place, or never changes it. A tap without it is assumed to
 * change what it is given, so same-format pass-through stays off while it is registered (safe by
 * default). Tap with `{ name, stage, marksChanges: true }`.
 */
export interface ChangeTapOptions {
  marksChanges?: boolean;
}

/** Every extension point of a request's lifecycle, in the order they run. */
export function createHooks() {
  return Object.freeze({
    /** From the headers alone, before the body is read: return the Caller for a key you know. */
    authenticate: new AsyncSeriesBailHook<[AuthRequest], Caller | undefined | void>(['auth']),
    /** Limits, input guards, cache lookup. Bail with `{respond, reason}` or `{reject}`. Runs once per request, each tap seeing the current `ctx.request`. */
    preRoute: new AsyncSeriesBailHook<[any, RequestContext], PreRouteDecision, ChangeTapOptions>(['request', 'ctx']),
    /** A waterfall over the candidate deployments (seeded by the core's default), by stage: filters, then a strategy. Returns the attempt plan. */
    route: new AsyncSeriesWaterfallHook<[Deployment[], RequestContext]>(['candidates', 'ctx']),
    /** Per attempt (ctx.deployment is set): rewrite the request for this deployment. */
    transformRequest: new AsyncSeriesWaterfallHook<[any, RequestContext], any, ChangeTapOptions>(['request', 'ctx']),
    /** Normally untapped: the core sends through the adapter. Bail with a response to replace the network. */
    send: new AsyncSeriesBailHook<[UpstreamRequest, RequestContext], UpstreamResponse | undefined | void>(['upstream', 'ctx']),
    /** After a failed attempt: return an AttemptDecision; untapped (or undefined), the core's default decides. */
    attemptFailed: new AsyncSeriesBailHook<[GatewayError, RequestContext], AttemptDecision | undefined | void>(['error', 'ctx']),
    /** After every attempt, success or failure, with its record (timings, status, kind, usage). Synchronous: do async work without awaiting it. */
    attemptEnd: new SyncHook<[AttemptRecord, RequestContext]>(['attempt', 'ctx']),
    /** The complete response (also a ready answer's): output guards, cache store, headers. */
    transformResponse: new AsyncSeriesWaterfallHook<[any, RequestContext], any, ChangeTapOptions>(['response', 'ctx']),
    /** Each streamed chunk of every stream: return it, a rewrite, null (hold/drop) or an array (release several); once with null at the end (flush). Prefer `ctx.watchChunks()` for one request. */
    transformChunk: new SyncWaterfallHook<[any, RequestContext]>(['chunk', 'ctx']),
    /** After the last upstream event of a stream that `collectResponse()` was asked for, before the end is written; receives the assembled answer. */
    streamEnd: new AsyncSeriesHook<[any, RequestContext]>(['response', 'ctx']),
    /** Once per request on every path, after the last byte; never delays the client. Read ctx.outcome. */
    account: new AsyncParallelHook<[RequestContext]>(['ctx']),
    /** Once per failed, rejected or aborted request, before `account`. */
    error: new AsyncSeriesHook<[GatewayError, RequestContext]>(['error', 'ctx']),
    /** After start-up has prepared every deployment: open connections, start timers. */
    ready: new AsyncSeriesHook<[]>([]),
    /** On close, after in-flight requests and pending `account` taps: flush and close. */
    shutdown: new AsyncParallelHook<[]>([]),
  });
}

export type GatewayHooks = ReturnType<typeof createHooks>;
