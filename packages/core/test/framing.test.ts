import { describe, expect, it } from 'vitest';
import { decodeNdjson, decodeSse, framedBatches, type FramedEvent } from '@tollgate/core';

async function decode(parts: string[], d = decodeSse): Promise<FramedEvent[]> {
  const enc = new TextEncoder();
  const out: FramedEvent[] = [];
  for await (const ev of d((async function* () { for (const p of parts) yield enc.encode(p); })())) out.push(ev);
  return out;
}

describe('SSE decoder', () => {
  it('reassembles events split at any byte', async () => {
    const text = 'data: {"a":1}\n\nevent: message_delta\ndata: {"b":2}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(await decode([text.slice(0, cut), text.slice(cut)])).toEqual([{ event: undefined, data: '{"a":1}' }, { event: 'message_delta', data: '{"b":2}' }]);
    }
  });

  it('handles CRLF and CR line endings, comments, multi-line data and a missing final blank line', async () => {
    expect(await decode([': ping\r\ndata: one\r\ndata: two\r\n\r\ndata: three\rdata: four\r\r', 'data: last'])).toEqual([
      { event: undefined, data: 'one\ntwo' },
      { event: undefined, data: 'three\nfour' },
      { event: undefined, data: 'last' },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = new TextEncoder().encode('data: héllo 👋\n\n');
    const out: FramedEvent[] = [];
    for await (const ev of decodeSse((async function* () { for (const b of bytes) yield new Uint8Array([b]); })())) out.push(ev);
    expect(out).toEqual([{ event: undefined, data: 'héllo 👋' }]);
  });
});

describe('NDJSON decoder', () => {
  it('yields one event per line', async () => {
    expect(await decode(['{"a":1}\n{"b"', ':2}\n\n{"c":3}'], decodeNdjson)).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '{"c":3}' }]);
  });
});

describe('framedBatches', () => {
  it('yields the events of one upstream read together, and a custom framing one event at a time', async () => {
    const enc = new TextEncoder();
    const body = () => (async function* () {
      yield enc.encode('data: 1\n\ndata: 2\n\ndata: 3');
      yield enc.encode('\n\n: keep-alive\n\n');
      yield enc.encode('data: 4\n\n');
    })();
    const batches: string[][] = [];
    for await (const b of framedBatches('sse', body())) batches.push(b.map((e) => e.data));
    expect(batches).toEqual([['1', '2'], ['3'], ['4']]);

    const single: string[][] = [];
    for await (const b of framedBatches(decodeSse, body())) single.push(b.map((e) => e.data));
    expect(single).toEqual([['1'], ['2'], ['3'], ['4']]);
  });
});
