import { describe, expect, it } from 'vitest';
import { NdjsonDecoder, SseDecoder, type FrameDecoder, type FramedEvent } from '@tollgate/core';

const enc = new TextEncoder();

function decode(parts: Array<string | Uint8Array>, d: FrameDecoder = new SseDecoder()): FramedEvent[] {
  const out: FramedEvent[] = [];
  for (const p of parts) out.push(...d.push(typeof p === 'string' ? enc.encode(p) : p));
  out.push(...d.end());
  return out;
}

describe('SSE decoder', () => {
  it('reassembles events split at any byte', () => {
    const text = 'data: {"a":1}\n\nevent: message_delta\ndata: {"b":2}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(decode([text.slice(0, cut), text.slice(cut)])).toEqual([{ event: undefined, data: '{"a":1}' }, { event: 'message_delta', data: '{"b":2}' }]);
    }
  });

  it('handles CRLF and CR line endings, comments, multi-line data and a missing final blank line', () => {
    expect(decode([': ping\r\ndata: one\r\ndata: two\r\n\r\ndata: three\rdata: four\r\r', 'data: last'])).toEqual([
      { event: undefined, data: 'one\ntwo' },
      { event: undefined, data: 'three\nfour' },
      { event: undefined, data: 'last' },
    ]);
    // A CRLF split between two reads is one line ending, not two.
    expect(decode(['data: a\r', '\ndata: b\r\n\r\n'])).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = enc.encode('data: héllo 👋\n\n');
    expect(decode([...bytes].map((b) => new Uint8Array([b])))).toEqual([{ event: undefined, data: 'héllo 👋' }]);
  });

  it('returns the events completed by each read, so one upstream read is one batch', () => {
    const d = new SseDecoder();
    expect(d.push(enc.encode('data: 1\n\ndata: 2\n\ndata: 3')).map((e) => e.data)).toEqual(['1', '2']);
    expect(d.push(enc.encode('\n\n: keep-alive\n\n')).map((e) => e.data)).toEqual(['3']);
    expect(d.push(enc.encode('data: 4\n\n')).map((e) => e.data)).toEqual(['4']);
    expect(d.end()).toEqual([]);
  });

  it('reassembles one large event from many reads, whole and unchanged', () => {
    const payload = JSON.stringify({ big: 'x'.repeat(1 << 20) });
    const bytes = enc.encode(`data: ${payload}\n\n`);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 16 * 1024) parts.push(bytes.subarray(i, i + 16 * 1024));
    const events = decode(parts);
    expect(events).toHaveLength(1);
    expect(events[0].data).toBe(payload);
  });
});

describe('NDJSON decoder', () => {
  it('yields one event per line', () => {
    expect(decode(['{"a":1}\n{"b"', ':2}\n\n{"c":3}'], new NdjsonDecoder())).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '{"c":3}' }]);
  });

  it('reassembles one large line from many reads', () => {
    const line = JSON.stringify({ big: 'y'.repeat(1 << 20) });
    const bytes = enc.encode(`${line}\n`);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 16 * 1024) parts.push(bytes.subarray(i, i + 16 * 1024));
    expect(decode(parts, new NdjsonDecoder())).toEqual([{ data: line }]);
  });
});
