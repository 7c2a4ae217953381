import { createServer, type IncomingMessage, type Server } from 'node:http';
import { getEventListeners, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, Cancellation, GatewayError, RequestContext, TimeoutError, UndiciTransport, chatOperation } from '@tollgate/core';
import { gatewayWith, user } from './helpers.js';

describe('Cancellation', () => {
  it('fires each listener once, with the reason readable, and not after removal', () => {
    const c = new Cancellation();
    const seen: unknown[] = [];
    const kept = () => seen.push(c.reason);
    const removed = () => seen.push('removed');
    c.once('abort', kept);
    c.once('abort', removed);
    c.removeListener('abort', removed);
    const reason = new TimeoutError('too slow');
    c.abort(reason);
    c.abort(new AbortedError());
    expect(seen).toEqual([reason]);
    expect(c.aborted).toBe(true);
    expect(c.reason).toBe(reason);
  });

  it('makes its AbortSignal on first read, already aborted when read after the abort', () => {
    const before = new Cancellation();
    const early = before.signal;
    expect(early.aborted).toBe(false);
    before.abort();
    expect(early.aborted).toBe(true);
    expect(early.reason).toBeInstanceOf(AbortedError);

    const after = new Cancellation();
    after.abort(new TimeoutError('late'));
    expect(after.signal.aborted).toBe(true);
    expect((after.signal.reason as GatewayError).message).toBe('late');
  });

  it('a context follows the caller signal it was given', () => {
    const caller = new AbortController();
    const ctx = new RequestContext({ id: 'r1', operation: 'chat', spec: chatOperation, request: { model: 'm', messages: [user('hi')] }, signal: caller.signal, slots: {} });
    expect(ctx.aborted).toBe(false);
    caller.abort();
    expect(ctx.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(true);

    const already = new AbortController();
    already.abort();
    const ctx2 = new RequestContext({ id: 'r2', operation: 'chat', spec: chatOperation, request: { model: 'm', messages: [user('hi')] }, signal: already.signal, slots: {} });
    expect(ctx2.aborted).toBe(true);
  });

  it('lets go of a long-lived caller signal once each request is over', async () => {
    const gateway = await gatewayWith([{ model_name: 'm', params: { model: 'mock/x' } }]);
    const shared = new AbortController();
    for (let i = 0; i < 20; i++) await gateway.chat({ model: 'm', messages: [user(`hi ${i}`)] }, { signal: shared.signal });
    const stream = await gateway.chat({ model: 'm', stream: true, messages: [user('a stream')] }, { signal: shared.signal });
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    for await (const _ of stream as AsyncIterable<unknown>) { /* drain */ }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    await gateway.close();
  });

  it('gateway.chat with a caller signal stops a slow upstream', async () => {
    const gateway = await gatewayWith([{ model_name: 'slow', params: { model: 'mock/x', mock_latency_ms: 5_000 } }]);
    const caller = new AbortController();
    const started = performance.now();
    setTimeout(() => caller.abort(), 50);
    await expect(gateway.chat({ model: 'slow', messages: [user('hi')] }, { signal: caller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(performance.now() - started).toBeLessThan(2_000);
    await gateway.close();
  });
});

describe('UndiciTransport with a Cancellation as its signal', () => {
  let server: Server;
  let origin: string;
  const closed: Promise<void>[] = [];
  beforeAll(async () => {
    // Never answers: only a cancellation can end the request.
    server = createServer((req: IncomingMessage) => {
      closed.push(once(req.socket, 'close').then(() => undefined));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('aborts the in-flight upstream request and closes its connection', async () => {
    const transport = new UndiciTransport();
    const cancellation = new Cancellation();
    const sent = transport.send({ method: 'POST', url: `${origin}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body: '{}' }, {
      get signal() { return cancellation.signal; },
      abort: cancellation,
    });
    await expect.poll(() => closed.length).toBe(1);
    cancellation.abort();
    await expect(sent).rejects.toBeInstanceOf(AbortedError);
    await closed[0];
    await transport.close();
  });

  it('passes a GatewayError reason through (a deadline is a timeout, not an abort)', async () => {
    const transport = new UndiciTransport();
    const cancellation = new Cancellation();
    const sent = transport.send({ method: 'GET', url: `${origin}/v1/models`, headers: {} }, { get signal() { return cancellation.signal; }, abort: cancellation });
    await expect.poll(() => closed.length).toBe(2);
    cancellation.abort(new TimeoutError('deadline passed'));
    await expect(sent).rejects.toMatchObject({ message: 'deadline passed' });
    await transport.close();
  });
});
