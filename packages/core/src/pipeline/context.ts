import type { Deployment } from '../adapter.js';
import { AbortedError, type GatewayError } from '../errors.js';
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
  readonly signal: AbortSignal;
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
  private readonly controller = new AbortController();
  private readonly initialRequest: CanonicalRequest;
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
    this.signal = init.signal ? AbortSignal.any([init.signal, this.controller.signal]) : this.controller.signal;
  }

  /** Milliseconds since receipt. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  /** Abort the request (client went away); the upstream request is cancelled. */
  abort(reason: GatewayError = new AbortedError()): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
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
