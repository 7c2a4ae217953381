import type { Deployment } from '../adapter.js';
import { AbortedError, GatewayError, type ErrorKind } from '../errors.js';
import type { OperationSpec } from '../operations/types.js';
import type { ChatCompletionChunk, ChatCompletionRequest, Usage } from '../types/openai.js';
import { ANONYMOUS, type Caller } from './caller.js';
import { Cancellation } from './cancellation.js';

export { Cancellation } from './cancellation.js';

/** The name of an operation in the registry: 'chat', 'embeddings', 'completions', 'rerank', ... */
export type Operation = string;

/**
 * How the request ended, read by `account` and `error` taps. `cache_hit` and `responded` are
 * ready answers from `preRoute` (`ctx.outcomeReason` says which plugin's reason).
 */
export type Outcome = 'pending' | 'ok' | 'cache_hit' | 'responded' | 'rejected' | 'error' | 'aborted';

export interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly Deployment[];
}

/** One try against one deployment, recorded by the core whatever happened. */
export interface AttemptRecord {
  readonly deployment: Deployment;
  readonly deploymentId: string;
  /** The model group the deployment belongs to (differs from the requested one after a fallback). */
  readonly group: string;
  readonly provider: string;
  /** ms since the request was received. */
  readonly startedAt: number;
  endedAt: number;
  /** ms since receipt when the first content arrived (streams), 0 if none. */
  firstTokenAt: number;
  /** Upstream HTTP status, or null when no answer came (network error, timeout, abort). */
  status: number | null;
  errorKind: ErrorKind | null;
  error: GatewayError | null;
  /** Usage this attempt reported (successful attempts). */
  usage: Usage | null;
}

/** Milliseconds since the request was received (performance.now() based); 0 = not reached. */
export interface Timings {
  /** Authentication done (the server authenticates before reading the body). */
  authenticated: number;
  routed: number;
  /** The first attempt was sent. */
  upstreamStart: number;
  /** Headers of the answering attempt arrived. */
  upstreamHeaders: number;
  /** First content token (streams) or the complete body (non-streamed answers). */
  firstToken: number;
  /** Last byte handed to the caller. */
  lastByte: number;
  done: number;
}

/**
 * Time spent inside each hook, in ms, stamped by the core around each hook that has taps (no
 * interceptors needed, so the fast paths stay on). A tracer can make a span per stage from these.
 */
export interface StageTimings {
  preRoute: number;
  route: number;
  transformRequest: number;
  send: number;
  attemptFailed: number;
  transformResponse: number;
  transformChunk: number;
  streamEnd: number;
}

/**
 * Watches one request's streamed chunks: return the chunk, a rewrite, null (hold or drop) or an
 * array (release several held ones). Called once more with null when the upstream ends, to flush.
 */
export type ChunkWatcher = (chunk: ChatCompletionChunk | null, ctx: RequestContext) => ChatCompletionChunk | ChatCompletionChunk[] | null;

export interface ContextInit {
  id: string;
  operation: Operation;
  spec: OperationSpec;
  request: unknown;
  headers?: Record<string, string | string[] | undefined>;
  inboundFormat?: string;
  /** The body exactly as the client sent it, when its format is not OpenAI's. */
  inboundBody?: unknown;
  signal?: AbortSignal;
  caller?: Caller;
  internal?: boolean;
  /** Only this deployment (by id), one attempt, no `route` taps: a health probe. */
  deploymentId?: string;
  slots: Record<string, unknown>;
}

/** Ids unique per process start: a prefix fixed at load, then a counter (no clock or random per request). */
const ID_PREFIX = `tg-${process.pid.toString(36)}${Date.now().toString(36)}-`;
let counter = 0;
export function generateRequestId(): string {
  counter++;
  return ID_PREFIX + counter.toString(36);
}

/**
 * One request's state, created once and mutated in place by every stage. Every field is declared
 * here (stable shape); plugins keep their own state in `slots`, declared at start-up.
 */
export class RequestContext {
  readonly id: string;
  /** performance.now() at receipt; timings are relative to it. */
  readonly startedAt: number;
  readonly startedAtEpochMs: number;
  readonly operation: Operation;
  /** The operation's registry entry (stream handling, usage). */
  readonly spec: OperationSpec;
  /** Format the client spoke: 'openai', or e.g. 'anthropic' for /v1/messages. */
  readonly inboundFormat: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The client's own body when it spoke a non-OpenAI format (for a lossless same-format send). */
  readonly inboundBody: unknown;
  /** Who is calling: set before the pipeline runs (the server authenticates from headers first). */
  caller: Caller;
  /** A call the gateway makes to itself (a cache embedding a prompt, a health probe). */
  readonly internal: boolean;
  /** Set for a request pinned to one deployment (a health probe): one attempt there, no routing. */
  readonly pinnedDeployment: string | null;
  /** Cancelled when the client goes away or the caller's signal aborts. */
  readonly cancellation = new Cancellation();
  /** The model group asked for (the request's model at receipt). */
  readonly requestedModel: string;
  readonly stream: boolean;
  /** Did the client ask for a usage chunk (stream_options.include_usage)? */
  readonly clientWantsUsage: boolean;
  modelGroup: ModelGroup | null = null;
  /** The group that answered, when a fallback served the request (null otherwise). */
  fallbackGroup: string | null = null;
  /** The deployment of the current (then last) attempt. */
  deployment: Deployment | null = null;
  readonly attempts: AttemptRecord[] = [];
  /** The final response: set for complete answers, and for streams when `collectResponse()` was asked. */
  response: unknown = null;
  /**
   * The upstream's body text, kept when the upstream spoke the client's format and the answer
   * may be written as received (no tap changed it).
   */
  rawResponseText: string | null = null;
  usage: Usage | null = null;
  /** True when `usage` was counted locally (the upstream reported none). */
  usageEstimated = false;
  /** Set by a cost plugin (USD). */
  cost: number | null = null;
  outcome: Outcome = 'pending';
  /** Why a ready answer or a refusal ended the request early ('cache_hit', 'guardrail', 'limit', ...). */
  outcomeReason: string | null = null;
  error: GatewayError | null = null;
  finishReason: string | null = null;
  /**
   * Set by a guardrail (to its name) when it blocked or replaced this answer, so nothing that keeps
   * answers for reuse (a response cache) keeps this one.
   */
  blockedBy: string | null = null;
  readonly timings: Timings = { authenticated: 0, routed: 0, upstreamStart: 0, upstreamHeaders: 0, firstToken: 0, lastByte: 0, done: 0 };
  readonly stages: StageTimings = { preRoute: 0, route: 0, transformRequest: 0, send: 0, attemptFailed: 0, transformResponse: 0, transformChunk: 0, streamEnd: 0 };
  /** Time spent waiting on upstreams, summed over attempts (ms); for streams, up to the last event. */
  upstreamMs = 0;
  /**
   * Upstream stream events of the answering attempt, from its first content event on. With no reported
   * usage (a stream cut or abandoned), a cost plugin estimates output from it: OpenAI-format
   * upstreams send about one token per content event.
   */
  streamEvents = 0;
  /** Dropped or clamped params and similar notices, returned in `x-tollgate-warnings`. */
  readonly warnings: string[] = [];
  /** Extra headers for the client response (validated by the server; bad ones are dropped with a warning). */
  readonly responseHeaders: Record<string, string> = {};
  /**
   * Extra headers for this request's upstream calls (a trace context's `traceparent`), merged into
   * each attempt's request before credentials are applied; set or replace it per attempt in
   * `transformRequest`. Null = none (the adapter's headers go as they are).
   */
  upstreamHeaders: Record<string, string> | null = null;
  /** Plugin state, keys declared at start-up with gateway.declareSlot(). */
  readonly slots: Record<string, unknown>;
  /**
   * Set by the core per attempt: the adapter may send the client's own body (`inboundBody`)
   * instead of translating, because the upstream speaks the client's format and the request is
   * unchanged.
   */
  sendInboundBody = false;
  /** Per-request chunk watchers (guardrails on one key); null = none. */
  chunkWatchers: ChunkWatcher[] | null = null;
  /** Set by `endStream()`: the core ends the stream cleanly with this finish reason. */
  streamEndReason: string | null = null;
  /** Set by `endStream()` with a refusal: after the end chunk the stream fails with it (an error event). */
  streamEndError: GatewayError | null = null;
  /** What the answer waits for before it is handed over (`holdAnswer()`); null = nothing. */
  answerHolds: Promise<unknown>[] | null = null;
  /**
   * Copies to log or store in place of `request` / `response` (a logging-only guardrail's masked
   * copies); null = the real ones. Loggers and stores of bodies read these first.
   */
  requestForLogs: unknown = null;
  responseForLogs: unknown = null;
  /** Set by `collectResponse()`. */
  collecting = false;
  private currentRequest: unknown;
  private requestChanges = 0;
  private responseChanges = 0;
  private unlinkCallerSignal: (() => void) | null = null;
  /** @internal set once `account` is scheduled, so a request is finished exactly once. */
  finished = false;

  constructor(init: ContextInit) {
    this.id = init.id;
    this.startedAt = performance.now();
    this.startedAtEpochMs = Date.now();
    this.operation = init.operation;
    this.spec = init.spec;
    this.inboundFormat = init.inboundFormat ?? 'openai';
    this.headers = init.headers ?? {};
    this.inboundBody = init.inboundBody ?? null;
    this.currentRequest = init.request;
    this.caller = init.caller ?? ANONYMOUS;
    this.internal = init.internal === true;
    this.pinnedDeployment = init.deploymentId ?? null;
    this.requestedModel = init.spec.model(init.request);
    this.stream = init.spec.stream !== undefined && init.spec.streams(init.request);
    this.clientWantsUsage = this.stream && (init.request as ChatCompletionRequest).stream_options?.include_usage === true;
    this.slots = init.slots;
    const external = init.signal;
    if (external) {
      const forward = (): void => this.abort(external.reason instanceof GatewayError ? external.reason : new AbortedError());
      if (external.aborted) forward();
      else {
        external.addEventListener('abort', forward, { once: true });
        // A caller may pass one long-lived signal to many requests: let go of it when done.
        this.unlinkCallerSignal = () => external.removeEventListener('abort', forward);
      }
    }
  }

  /**
   * The canonical request. Replacing it marks it changed; a tap that changes it in place must call
   * `markRequestChanged()` (see the core README: changed requests are never sent in the client's
   * original bytes).
   */
  get request(): any {
    return this.currentRequest;
  }

  set request(value: any) {
    if (value !== this.currentRequest) this.requestChanges++;
    this.currentRequest = value;
  }

  /** Say that the request was changed in place (masked, rewritten). */
  markRequestChanged(): void {
    this.requestChanges++;
  }

  /** Has anything changed the request since receipt? */
  get requestChanged(): boolean {
    return this.requestChanges > 0;
  }

  /** Say that a tap changed the response in place, so it is re-serialised, never sent as received. */
  markResponseChanged(): void {
    this.responseChanges++;
    this.rawResponseText = null;
  }

  get responseChanged(): boolean {
    return this.responseChanges > 0;
  }

  /**
   * Ask for this request's complete answer at its end (streams are assembled): `transformResponse`
   * and `streamEnd` see it. Other requests keep the fast path. Call it in `preRoute` or `route`.
   */
  collectResponse(): void {
    this.collecting = true;
  }

  /** Watch this request's streamed chunks: rewrite, hold (null) or release several (array). */
  watchChunks(watcher: ChunkWatcher): void {
    (this.chunkWatchers ??= []).push(watcher);
  }

  /**
   * End this request's stream cleanly, now, with `finishReason` (e.g. 'content_filter'). With a
   * `refusal`, the stream then fails with its error (the client gets an error event after the end
   * chunk) and the request counts as `rejected` (the upstream's attempt as a success). Called from
   * `streamEnd`, what was not handed over yet is withheld (a check of the whole answer refused it).
   */
  endStream(finishReason: string, refusal?: { error: GatewayError; reason?: string }): void {
    this.streamEndReason = finishReason;
    if (refusal && this.refusable) {
      this.streamEndError = refusal.error;
      this.outcome = 'rejected';
      this.outcomeReason = refusal.reason ?? null;
    }
  }

  /**
   * Hold this request's answer until `until` settles (a check running alongside the upstream
   * call): the core awaits it before `transformResponse`, and before handing over a stream. To
   * refuse meanwhile, call `reject()`: the upstream call is cancelled at once.
   */
  holdAnswer(until: Promise<unknown>): void {
    (this.answerHolds ??= []).push(until);
  }

  /**
   * Refuse this request now, wherever it is (outcome `rejected`, `outcomeReason` = `reason`): the
   * upstream call is cancelled and the caller gets `error`. Nothing happens once the request has
   * ended another way.
   */
  reject(error: GatewayError, reason?: string): void {
    if (!this.refusable) return;
    this.outcome = 'rejected';
    this.outcomeReason = reason ?? null;
    this.abort(error);
  }

  /**
   * Still on its way to an answer (a ready answer's `cache_hit`/`responded` is set before it is
   * handed over), and not cancelled (a client gone away stays `aborted`).
   */
  private get refusable(): boolean {
    return !this.finished && !this.cancellation.aborted && this.error === null && this.outcome !== 'ok' && this.outcome !== 'rejected';
  }

  /** Called by the core once the request is over (last byte sent or failed). */
  settle(): void {
    this.unlinkCallerSignal?.();
    this.unlinkCallerSignal = null;
  }

  /** An AbortSignal for the request (made on first use; prefer `cancellation` on hot paths). */
  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  get aborted(): boolean {
    return this.cancellation.aborted;
  }

  /** Milliseconds since receipt. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  /** Abort the request (client went away); the upstream request is cancelled. */
  abort(reason: GatewayError = new AbortedError()): void {
    this.cancellation.abort(reason);
  }

  /** Time spent in Tollgate itself: elapsed (until done) minus time waiting on upstreams. */
  overheadMs(): number {
    const total = this.timings.done || this.elapsed();
    return Math.max(0, total - this.upstreamMs);
  }

  /** The request as a chat completion request (for chat taps). */
  get chatRequest(): ChatCompletionRequest {
    return this.currentRequest as ChatCompletionRequest;
  }
}
