import { EventStreamCodec } from '@smithy/eventstream-codec';
import { ApiError, GatewayError, type FrameDecoder, type FramedEvent } from '@tollgate/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const codec = new EventStreamCodec((s) => decoder.decode(s), (s) => encoder.encode(s));

/** A message may be at most 16 MB with headers up to 128 KB (AWS event-stream encoding limits). */
const MAX_MESSAGE = 16 * 1024 * 1024;
const PRELUDE = 12;

function framingError(message: string, cause?: unknown): GatewayError {
  return new ApiError(`Bedrock stream: ${message}`, { status: 502, code: 'bad_upstream_response', kind: 'server', cause });
}

/**
 * Synchronous decoder for `application/vnd.amazon.eventstream` bodies (the core's `FrameDecoder`:
 * `push(bytes)` returns the events those bytes completed, `end()` the rest; one per stream). Messages are split on
 * their length prelude and decoded by the AWS SDK's codec, which checks the prelude and message
 * CRC32s; a bad frame, a bad length or a body cut mid-frame throws a GatewayError instead of waiting.
 * Each event is `{ event: :event-type (or :exception-type), data: payload text, headers }`.
 */
export class EventStreamDecoder implements FrameDecoder {
  private buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): FramedEvent[] {
    this.buf = this.buf.length ? concat(this.buf, chunk) : chunk;
    const out: FramedEvent[] = [];
    while (this.buf.length >= PRELUDE) {
      const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      const total = view.getUint32(0);
      if (total < PRELUDE + 4 || total > MAX_MESSAGE) throw framingError(`invalid message length ${total}`);
      if (this.buf.length < total) break;
      const frame = this.buf.subarray(0, total);
      this.buf = this.buf.subarray(total);
      let message;
      try {
        message = codec.decode(frame);
      } catch (err) {
        throw framingError((err as Error).message, err);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers)) headers[k] = String(v.value);
      out.push({ event: headers[':event-type'] ?? headers[':exception-type'], data: decoder.decode(message.body), headers });
    }
    return out;
  }

  end(): FramedEvent[] {
    if (this.buf.length) {
      const n = this.buf.length;
      this.buf = new Uint8Array(0);
      throw new ApiError(`Bedrock stream ended inside a frame (${n} bytes left).`, { status: 502, code: 'stream_incomplete', kind: 'connection' });
    }
    return [];
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
