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
  /** Time allowed between body chunks: the idle timeout (ms). */
  bodyTimeoutMs?: number;
}

export interface Transport {
  send(request: UpstreamRequest, options: SendOptions): Promise<UpstreamResponse>;
  /** Release connections; in-flight requests may finish within `graceMs`, then are cut. */
  close?(graceMs?: number): Promise<void>;
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

/**
 * Decodes an upstream body into events, synchronously: `push()` takes the bytes of one read and
 * returns the events it completed, `end()` the events left when the body ends. One decoder per
 * stream; the pipeline awaits once per upstream read, never once per event.
 */
export interface FrameDecoder {
  push(chunk: Uint8Array): FramedEvent[];
  end(): FramedEvent[];
}
