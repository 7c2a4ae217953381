import type { Framing } from '../adapter.js';
import type { FrameDecoder, FramedEvent } from './types.js';

/**
 * Collects the text of a line that spans reads, so each byte is scanned once: the carried part is
 * kept as a list of pieces and joined once when the line ends (a single 8 MB event arriving in
 * 16 KB reads costs the same as the same bytes in small events, not quadratic time).
 */
class LineCarry {
  private parts: string[] = [];

  add(text: string): void {
    if (text.length > 0) this.parts.push(text);
  }

  /** The carried text followed by `tail`, and a fresh carry. */
  take(tail: string): string {
    const parts = this.parts;
    if (parts.length === 0) return tail;
    this.parts = [];
    if (tail.length > 0) parts.push(tail);
    return parts.length === 1 ? parts[0] : parts.join('');
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }
}

/**
 * Incremental Server-Sent Events parser (WHATWG EventSource rules): lines end in LF, CRLF or CR;
 * `data:` lines of one event are joined with LF; comments (":") and unknown fields are ignored;
 * an event is dispatched on a blank line, and a trailing event without one is flushed at the end.
 * Synchronous and linear in the bytes received.
 */
export class SseDecoder implements FrameDecoder {
  private readonly decoder = new TextDecoder();
  private readonly carry = new LineCarry();
  private data: string[] = [];
  private event: string | undefined = undefined;
  private pendingCr = false;

  /** The events completed by this chunk of bytes. */
  push(chunk: Uint8Array): FramedEvent[] {
    const out: FramedEvent[] = [];
    const text = this.decoder.decode(chunk, { stream: true });
    if (text.length === 0) return out;
    let start = 0;
    if (this.pendingCr && text.charCodeAt(0) === 10) start = 1;
    this.pendingCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const ev = this.line(this.carry.take(text.slice(start, i)));
      if (c === 13) {
        if (i + 1 < text.length) { if (text.charCodeAt(i + 1) === 10) i++; }
        else this.pendingCr = true;
      }
      start = i + 1;
      if (ev) out.push(ev);
    }
    if (start < text.length) this.carry.add(start === 0 ? text : text.slice(start));
    return out;
  }

  /** Events left when the body ends (a last event without its blank line). */
  end(): FramedEvent[] {
    const out: FramedEvent[] = [];
    this.carry.add(this.decoder.decode());
    if (!this.carry.empty) { const ev = this.line(this.carry.take('')); if (ev) out.push(ev); }
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

/** Incremental newline-delimited JSON parser (Ollama's native API): one event per non-empty line. Linear. */
export class NdjsonDecoder implements FrameDecoder {
  private readonly decoder = new TextDecoder();
  private readonly carry = new LineCarry();

  push(chunk: Uint8Array): FramedEvent[] {
    const out: FramedEvent[] = [];
    const text = this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const l = this.carry.take(text.slice(start, nl)).trim();
      start = nl + 1;
      if (l) out.push({ data: l });
    }
    if (start < text.length) this.carry.add(start === 0 ? text : text.slice(start));
    return out;
  }

  end(): FramedEvent[] {
    this.carry.add(this.decoder.decode());
    const l = this.carry.take('').trim();
    return l ? [{ data: l }] : [];
  }
}

/** A fresh decoder for one upstream body. */
export function createFrameDecoder(framing: Framing): FrameDecoder {
  if (framing === 'sse') return new SseDecoder();
  if (framing === 'ndjson') return new NdjsonDecoder();
  return framing();
}

/** Encode one SSE event. */
export function sseEvent(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
