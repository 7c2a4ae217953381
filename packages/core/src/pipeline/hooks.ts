import {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  SyncBailHook,
  SyncWaterfallHook,
} from 'tapable';
import type { Deployment } from '../adapter.js';
import type { GatewayError } from '../errors.js';
import type { UpstreamRequest, UpstreamResponse } from '../transport/types.js';
import type { ChatCompletion, ChatCompletionChunk } from '../types/openai.js';
import type { CanonicalRequest, CanonicalResponse, ModelGroup, RequestContext } from './context.js';

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

/** A `preRoute` tap may end the request early: with a ready answer, or with an error. */
export type PreRouteDecision = { respond: CanonicalResponse } | { reject: GatewayError } | undefined | void;

/** What to do after a failed attempt. */
export type AttemptDecision = 'retry' | 'next' | 'stop' | undefined | void;

/** Every extension point of a request's lifecycle, in the order they run. */
export function createHooks() {
  return Object.freeze({
    /** Auth, limits, input guards, cache lookup. Bail with `{respond}` or `{reject}`. Runs once per request. */
    preRoute: new AsyncSeriesBailHook<[CanonicalRequest, RequestContext], PreRouteDecision>(['request', 'ctx']),
    /** Return the ordered attempt plan for a model group. Default: its deployments by `order`. */
    route: new AsyncSeriesBailHook<[ModelGroup, RequestContext], Deployment[] | undefined | void>(['group', 'ctx']),
    /** Per attempt (ctx.deployment is set): rewrite the request for this deployment. */
    transformRequest: new AsyncSeriesWaterfallHook<[CanonicalRequest, RequestContext]>(['request', 'ctx']),
    /** Normally untapped: the core sends through the adapter. Bail with a response to replace the network. */
    send: new AsyncSeriesBailHook<[UpstreamRequest, RequestContext], UpstreamResponse | undefined | void>(['upstream', 'ctx']),
    /** After a failed attempt: 'retry' the same deployment, go to the 'next' one, or 'stop'. */
    attemptFailed: new SyncBailHook<[GatewayError, RequestContext], AttemptDecision>(['error', 'ctx']),
    /** The complete response (also a cache hit's): output guards, cache store, headers. */
    transformResponse: new AsyncSeriesWaterfallHook<[CanonicalResponse, RequestContext]>(['response', 'ctx']),
    /** Each streamed chunk. Return null to hold or drop it; throw a GatewayError to end the stream. Called only when tapped. */
    transformChunk: new SyncWaterfallHook<[ChatCompletionChunk | null, RequestContext]>(['chunk', 'ctx']),
    /** After the last upstream event, before [DONE]; receives the assembled response. Tapping it makes the core assemble streams. */
    streamEnd: new AsyncSeriesHook<[ChatCompletion, RequestContext]>(['response', 'ctx']),
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
