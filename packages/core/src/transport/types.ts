/** What the core sends upstream: built by an adapter, signed/authorized by the core, sent by a Transport. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as bytes, read once: either iterate it or call text()/json(). */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** Discard the body so the connection can be reused. */
  dump(): Promise<void>;
}

/** What a transport needs of a request's cancellation (see Cancellation). */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** A standard AbortSignal, made on first read. */
  readonly signal: AbortSignal;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

export interface SendOptions {
  /** Aborts when the request is cancelled (client gone, caller's signal). Made on first read. */
  readonly signal: AbortSignal;
  /**
   * The same cancellation without an AbortSignal: `aborted`, `reason`, `once('abort')`. Cheaper,
   * and accepted as is by undici's `signal` option. The core always sets it; other callers of a
   * transport (token fetchers) may pass only `signal`.
   */
  readonly abort?: AbortSource;
  /** Time allowed until response headers arrive (ms). */
  headersTimeoutMs?: number;
  /** Time allowed between body chunks (ms). */
  bodyTimeoutMs?: number;
}

export interface Transport {
  send(request: UpstreamRequest, options: SendOptions): Promise<UpstreamResponse>;
  close?(): Promise<void>;
}

/** One framed upstream event: an SSE event, an NDJSON line, a JSON array element, a binary frame. */
export interface FramedEvent {
  /** SSE `event:` field, or a frame's event type. */
  event?: string;
  /** The payload as text (the SSE `data:` lines joined, an NDJSON line, ...). */
  data: string;
  /** Binary framings may attach their decoded headers here. */
  headers?: Record<string, string>;
}

/** Decodes an upstream body into events. One per framing, shared by all adapters that use it. */
export type FramingDecoder = (body: AsyncIterable<Uint8Array>) => AsyncIterable<FramedEvent>;
