import type { FramedEvent, FramingDecoder } from './types.js';

/**
 * Incremental Server-Sent Events parser (WHATWG EventSource rules): lines end in LF, CRLF or CR;
 * `data:` lines of one event are joined with LF; comments (":") and unknown fields are ignored;
 * an event is dispatched on a blank line, and a trailing event without one is flushed at the end.
 * Synchronous, so a whole upstream read is parsed with no await per event.
 */
export class SseDecoder {
  private readonly decoder = new TextDecoder();
  private buf = '';
  private data: string[] = [];
  private event: string | undefined = undefined;
  private pendingCr = false;

  /** The events completed by this chunk of bytes. */
  push(chunk: Uint8Array): FramedEvent[] {
    const out: FramedEvent[] = [];
    const buf = this.buf + this.decoder.decode(chunk, { stream: true });
    let start = 0;
    if (this.pendingCr && buf.charCodeAt(0) === 10) start = 1;
    this.pendingCr = false;
    for (let i = start; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const ev = this.line(buf.slice(start, i));
      if (c === 13) {
        if (i + 1 < buf.length) { if (buf.charCodeAt(i + 1) === 10) i++; }
        else this.pendingCr = true;
      }
      start = i + 1;
      if (ev) out.push(ev);
    }
    this.buf = start === buf.length ? '' : buf.slice(start);
    return out;
  }

  /** Events left when the body ends (a last event without its blank line). */
  end(): FramedEvent[] {
    const out: FramedEvent[] = [];
    const rest = this.buf + this.decoder.decode();
    this.buf = '';
    if (rest.length > 0) { const ev = this.line(rest); if (ev) out.push(ev); }
    const last = this.line('');
    if (last) out.push(last);
    return out;
  }

  private line(l: string): FramedEvent | undefined {
    if (l === '') {
      if (this.data.length === 0) { this.event = undefined; return undefined; }
      const ev: FramedEvent = { event: this.event, data: this.data.length === 1 ? this.data[0] : this.data.join('\n') };
      this.data = [];
      this.event = undefined;
      return ev;
    }
    if (l.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    return undefined;
  }
}

/** Incremental newline-delimited JSON parser (Ollama's native API): one event per non-empty line. */
export class NdjsonDecoder {
  private readonly decoder = new TextDecoder();
  private buf = '';

  push(chunk: Uint8Array): FramedEvent[] {
    const out: FramedEvent[] = [];
    let buf = this.buf + this.decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const l = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (l) out.push({ data: l });
    }
    this.buf = buf;
    return out;
  }

  end(): FramedEvent[] {
    const l = (this.buf + this.decoder.decode()).trim();
    this.buf = '';
    return l ? [{ data: l }] : [];
  }
}

type Framing = 'sse' | 'ndjson' | FramingDecoder;

/** An upstream body as events, one batch per read: the pipeline awaits once per read, not per event. */
export async function* framedBatches(framing: Framing, body: AsyncIterable<Uint8Array>): AsyncGenerator<FramedEvent[], void, undefined> {
  if (typeof framing === 'function') {
    for await (const ev of framing(body)) yield [ev];
    return;
  }
  const decoder = framing === 'sse' ? new SseDecoder() : new NdjsonDecoder();
  for await (const chunk of body) {
    const events = decoder.push(chunk);
    if (events.length) yield events;
  }
  const tail = decoder.end();
  if (tail.length) yield tail;
}

/** Server-Sent Events as a FramingDecoder (one event at a time). */
export const decodeSse: FramingDecoder = async function* (body) {
  for await (const events of framedBatches('sse', body)) yield* events;
};

/** Newline-delimited JSON as a FramingDecoder. */
export const decodeNdjson: FramingDecoder = async function* (body) {
  for await (const events of framedBatches('ndjson', body)) yield* events;
};

/** Encode one SSE event. */
export function sseEvent(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
