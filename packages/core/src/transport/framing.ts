import type { FramedEvent, FramingDecoder } from './types.js';

/**
 * Server-Sent Events decoder (WHATWG EventSource parsing rules): lines end in LF, CRLF or CR;
 * `data:` lines of one event are joined with LF; comments (":") and unknown fields are ignored;
 * an event is dispatched on a blank line, and a trailing event without one is flushed at the end.
 */
export const decodeSse: FramingDecoder = async function* (body) {
  const decoder = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  let event: string | undefined;
  let pendingCr = false;

  const line = (l: string): FramedEvent | undefined => {
    if (l === '') {
      if (data.length === 0) { event = undefined; return undefined; }
      const ev: FramedEvent = { event, data: data.length === 1 ? data[0] : data.join('\n') };
      data = [];
      event = undefined;
      return ev;
    }
    if (l.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    return undefined;
  };

  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let start = 0;
    if (pendingCr && buf.charCodeAt(0) === 10) start = 1;
    pendingCr = false;
    for (let i = start; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const ev = line(buf.slice(start, i));
      if (c === 13) {
        if (i + 1 < buf.length) { if (buf.charCodeAt(i + 1) === 10) i++; }
        else pendingCr = true;
      }
      start = i + 1;
      if (ev) yield ev;
    }
    buf = buf.slice(start);
  }
  buf += decoder.decode();
  if (buf.length > 0) { const ev = line(buf); if (ev) yield ev; }
  const last = line('');
  if (last) yield last;
};

/** Newline-delimited JSON (Ollama's native API): one event per non-empty line. */
export const decodeNdjson: FramingDecoder = async function* (body) {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const l = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (l) yield { data: l };
    }
  }
  buf += decoder.decode();
  const l = buf.trim();
  if (l) yield { data: l };
};

export function framingDecoder(framing: 'sse' | 'ndjson' | FramingDecoder): FramingDecoder {
  if (framing === 'sse') return decodeSse;
  if (framing === 'ndjson') return decodeNdjson;
  return framing;
}

/** Encode one SSE event. */
export function sseEvent(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
