import type { Deployment } from '../adapter.js';
import { AbortedError, GatewayError } from '../errors.js';
import type {
  ChatCompletion,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  Usage,
} from '../types/openai.js';

/** What the request asks the gateway to do. A new endpoint is a new operation, not a new pipeline. */
export type Operation = 'chat' | 'embeddings' | (string & {});

/** How the request ended: `account` and `error` taps read it. */
export type Outcome = 'pending' | 'ok' | 'cache_hit' | 'rejected' | 'error' | 'aborted';

export interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly Deployment[];
}

/** Who is calling, set at auth (STAGE_AUTH) and read by every later stage. */
export interface Caller {
  /** Stable id of the credential used (a key hash or key id), never the key itself. */
  keyId: string | null;
  keyAlias: string | null;
  userId: string | null;
  teamId: string | null;
  /** Model groups this caller may use; null = all. */
  models: readonly string[] | null;
  metadata: Record<string, unknown>;
}

export interface Attempt {
  deploymentId: string;
  provider: string;
  startedAt: number;
  endedAt: number;
  /** Upstream HTTP status, or null when no answer came (network error, abort). */
  status: number | null;
  error: GatewayError | null;
}

/** Milliseconds since the request was received (performance.now() based); 0 = not reached. */
export interface Timings {
  routed: number;
  upstreamStart: number;
  upstreamHeaders: number;
  firstByte: number;
  lastByte: number;
  done: number;
}

export type CanonicalRequest = ChatCompletionRequest | EmbeddingRequest;
export type CanonicalResponse = ChatCompletion | EmbeddingResponse;

export interface ContextInit {
  id: string;
  operation: Operation;
  request: CanonicalRequest;
  headers?: Record<string, string | string[] | undefined>;
  inboundFormat?: string;
  /** The body exactly as the client sent it, when its format is not OpenAI's. */
  inboundBody?: unknown;
  signal?: AbortSignal;
  slots: Record<string, unknown>;
}

/**
 * A request's cancellation. Cheap per request: no AbortController (~3-5 µs with its listeners on
 * Node 20, measured) is made until something reads `signal`; undici takes the object itself as its
 * `signal`, since it has the EventEmitter-style `once`/`removeListener` that undici accepts.
 */
export class Cancellation {
  aborted = false;
  reason: GatewayError | undefined = undefined;
  private controller: AbortController | null = null;
  private listeners: Array<() => void> | null = null;

  /** A standard AbortSignal tied to this cancellation, for APIs that need one. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: GatewayError = new AbortedError()): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners) for (const l of listeners) l();
  }

  /** Calls `listener` once when aborted (listeners read `reason`). */
  once(event: 'abort', listener: () => void): this {
    if (event === 'abort' && !this.aborted) (this.listeners ??= []).push(listener);
    return this;
  }

  /** undici checks for `on` to accept an EventEmitter-style signal; abort fires once anyway. */
  on(event: 'abort', listener: () => void): this {
    return this.once(event, listener);
  }

  removeListener(event: 'abort', listener: () => void): this {
    const ls = this.listeners;
    if (event === 'abort' && ls) {
      const i = ls.indexOf(listener);
      if (i !== -1) ls.splice(i, 1);
    }
    return this;
  }
}

let counter = 0;
export function generateRequestId(): string {
  counter = (counter + 1) % 0x1000000;
  return `tg-${Date.now().toString(36)}-${counter.toString(36).padStart(5, '0')}${Math.random().toString(36).slice(2, 8)}`;
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
  /** Format the client spoke: 'openai', or e.g. 'anthropic' for /v1/messages. */
  readonly inboundFormat: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The client's own body when it spoke a non-OpenAI format (for lossless pass-through). */
  readonly inboundBody: unknown;
  /**
   * The upstream's parsed answer, kept only when the upstream speaks the client's format and
   * may be returned as is (non-streamed pass-through).
   */
  rawResponse: unknown = null;
  /** The upstream's body text for `rawResponse`, so a same-format answer is written without re-serializing. */
  rawResponseText: string | null = null;
  /** Cancelled when the client goes away or the caller's signal aborts. */
  readonly cancellation = new Cancellation();
  /** The canonical request; taps may replace it (masking) before routing. */
  request: CanonicalRequest;
  /** The model group asked for (request.model at receipt). */
  readonly requestedModel: string;
  readonly stream: boolean;
  /** Did the client ask for a usage chunk (stream_options.include_usage)? */
  readonly clientWantsUsage: boolean;
  caller: Caller | null = null;
  modelGroup: ModelGroup | null = null;
  /** The deployment of the current (then last) attempt. */
  deployment: Deployment | null = null;
  readonly attempts: Attempt[] = [];
  /** The final response, once assembled (for streams only when a tap needs it). */
  response: CanonicalResponse | null = null;
  usage: Usage | null = null;
  /** Set by a cost plugin in `account` or earlier. */
  cost: number | null = null;
  outcome: Outcome = 'pending';
  error: GatewayError | null = null;
  finishReason: string | null = null;
  readonly timings: Timings = { routed: 0, upstreamStart: 0, upstreamHeaders: 0, firstByte: 0, lastByte: 0, done: 0 };
  /** Time spent waiting on upstreams, summed over attempts (ms). */
  upstreamMs = 0;
  /** Dropped or clamped params and similar notices, returned in `x-tollgate-warnings`. */
  readonly warnings: string[] = [];
  /** Extra headers for the client response. */
  readonly responseHeaders: Record<string, string> = {};
  /** Plugin state, keys declared at start-up with gateway.declareSlot(). */
  readonly slots: Record<string, unknown>;
  private readonly initialRequest: CanonicalRequest;
  private unlinkCallerSignal: (() => void) | null = null;
  /** Set by the core per attempt: may the adapter send `inboundBody` instead of translating? */
  passThrough = false;

  constructor(init: ContextInit) {
    this.id = init.id;
    this.startedAt = performance.now();
    this.startedAtEpochMs = Date.now();
    this.operation = init.operation;
    this.inboundFormat = init.inboundFormat ?? 'openai';
    this.headers = init.headers ?? {};
    this.inboundBody = init.inboundBody ?? null;
    this.request = init.request;
    this.initialRequest = init.request;
    this.requestedModel = init.request.model;
    const chat = init.request as ChatCompletionRequest;
    this.stream = init.operation === 'chat' && chat.stream === true;
    this.clientWantsUsage = this.stream && chat.stream_options?.include_usage === true;
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

  /** Time spent in Tollgate itself so far: elapsed minus time waiting on upstreams. */
  overheadMs(): number {
    return Math.max(0, this.elapsed() - this.upstreamMs);
  }

  /** True while no stage has replaced the canonical request. */
  get requestUntouched(): boolean {
    return this.request === this.initialRequest;
  }

  get chatRequest(): ChatCompletionRequest {
    return this.request as ChatCompletionRequest;
  }
}
