import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers.js';

// Small limits so the test is quick; the defaults (30 s, 30 s, 5 s, 256) are the same code path.
let tg: Running;
let port: number;
beforeAll(async () => {
  tg = await startServer({
    model_list: [{ model_name: 'm', params: { model: 'mock/m' } }],
    settings: { client_header_timeout: 0.3, client_body_timeout: 0.6, keepalive_timeout: 0.3, max_connections_per_client: 6 },
  });
  port = Number(new URL(tg.url).port);
});
afterAll(async () => { await tg.close(); });

const open: Socket[] = [];
function socket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    open.push(s);
  });
}

/** Bytes the server wrote, and whether it closed the socket within `ms` (the limits above are 0.3-0.6 s). */
function closedWithin(s: Socket, ms: number): Promise<{ closed: boolean; received: string }> {
  let received = '';
  s.on('data', (d) => { received += d; });
  return new Promise((resolve) => {
    if (s.destroyed) return resolve({ closed: true, received });
    const timer = setTimeout(() => resolve({ closed: false, received }), ms);
    s.once('close', () => { clearTimeout(timer); resolve({ closed: true, received }); });
  });
}

/** Write one piece every 100 ms until the socket closes. */
function dribble(s: Socket, piece: () => string): void {
  const t = setInterval(() => { if (s.destroyed || !s.writable) clearInterval(t); else s.write(piece()); }, 100);
  s.once('close', () => clearInterval(t));
}

afterAll(() => { for (const s of open) s.destroy(); });

describe('slow clients are closed in bounded time', () => {
  it('an idle connection that never sends a byte', async () => {
    const s = await socket();
    expect((await closedWithin(s, 5000)).closed).toBe(true);
  });

  it('headers dribbled one line at a time, with or without a key', async () => {
    for (const key of [false, true]) {
      const s = await socket();
      s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n' + (key ? 'authorization: Bearer sk-test\r\n' : ''));
      let n = 0;
      dribble(s, () => `x-slow-${n++}: y\r\n`);
      expect((await closedWithin(s, 5000)).closed, `key: ${key}`).toBe(true);
    }
  });

  it('a body fed a byte at a time', async () => {
    const s = await socket();
    s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{');
    dribble(s, () => ' ');
    const { closed, received } = await closedWithin(s, 5000);
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a chunked body that never ends', async () => {
    const s = await socket();
    s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
    dribble(s, () => '1\r\n \r\n');
    expect((await closedWithin(s, 5000)).closed).toBe(true);
  });

  it('a keep-alive connection left idle after its answer', async () => {
    const s = await socket();
    s.write('GET /health/liveliness HTTP/1.1\r\nhost: x\r\n\r\n');
    const { closed, received } = await closedWithin(s, 5000);
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(closed).toBe(true);
  });
});

describe('connections per client address', () => {
  it('answers one more than the cap with 429 and closes it; a freed slot is usable again', async () => {
    const held = await Promise.all(Array.from({ length: 6 }, () => socket()));
    // Keep them busy so they count as open (a dribbled body).
    for (const s of held) {
      s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n');
      dribble(s, () => ' ');
    }
    await new Promise((r) => setTimeout(r, 50));
    const extra = await socket();
    const { closed, received } = await closedWithin(extra, 2000);
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 429/);
    expect(received).toContain('"code":"too_many_connections"');
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${tg.url}/health/liveliness`);
    expect(res.status).toBe(200);
  });
});
