import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { STAGE_DEFAULT, type Plugin } from '@tollgate/core';
import otel from '@tollgate/plugin-otel';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { startServer, withOptions, type Running } from '../../plugins-metrics/test/helpers.js';
import { startCollector, type ExportedSpan } from './collector.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

let upstream: MockOpenAIServer;
let collector: Awaited<ReturnType<typeof startCollector>>;
let tg: Running;

/** A preRoute tap that takes time, so a stage span has something to show. */
const slowGuard: Plugin = {
  name: 'slow-guard',
  apply(g) {
    g.hooks.preRoute.tapPromise({ name: 'slow-guard', stage: STAGE_DEFAULT, marksChanges: true }, async () => { await new Promise((r) => setTimeout(r, 5)); return undefined; });
  },
};

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: 'sk-up' });
  collector = await startCollector();
  const base = `${upstream.url}/v1`;
  tg = await startServer({
    model_list: [
      { model_name: 'gpt-4o-mini', params: { model: 'openai/gpt-4o-mini', api_base: base, api_key: 'sk-up' }, model_info: { id: 'primary' } },
      { model_name: 'pair', params: { model: 'openai/gpt-4o-mini', api_base: base, api_key: 'sk-up', order: 1 }, model_info: { id: 'pair-bad' } },
      { model_name: 'pair', params: { model: 'openai/gpt-4o', api_base: base, api_key: 'sk-up', order: 2 }, model_info: { id: 'pair-good' } },
    ],
  }, [slowGuard, withOptions(otel, { endpoint: collector.url, exportDelayMs: 10, serviceName: 'tollgate-test' })]);
});
afterAll(async () => { await tg.close(); await upstream.close(); await collector.close(); });

async function chat(model: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  const res = await request(`${tg.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20, temperature: 0.5, ...extra }),
  });
  return { status: res.statusCode, id: String(res.headers['x-request-id']), body: await res.body.text() };
}

const traceparentOf = (i: number): string => String(upstream.requests[i].headers.traceparent);
const rootOf = (requestId: string) => (s: ExportedSpan) => s.kind === 2 && s.attributes['tollgate.request_id'] === requestId;

describe('OpenTelemetry traces', () => {
  it('honours the client traceparent: the request span is its child, and the upstream gets the attempt span as parent', async () => {
    const before = upstream.requests.length;
    const r = await chat('gpt-4o-mini', { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'vendor=abc' });
    expect(r.status).toBe(200);
    const [root] = await collector.waitFor(rootOf(r.id));
    expect(root.traceId).toBe(CLIENT_TRACE);
    expect(root.parentSpanId).toBe(CLIENT_SPAN);

    const sent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparentOf(before));
    expect(sent, traceparentOf(before)).not.toBeNull();
    expect(sent![1]).toBe(CLIENT_TRACE);
    expect(upstream.requests[before].headers.tracestate).toBe('vendor=abc');
    const [attempt] = await collector.waitFor((s) => s.kind === 3 && s.parentSpanId === root.spanId);
    expect(attempt.spanId).toBe(sent![2]);
    expect(attempt.traceId).toBe(CLIENT_TRACE);
  });

  it('exports a server span per request with GenAI semantic-convention attributes', async () => {
    const r = await chat('gpt-4o-mini');
    const [root] = await collector.waitFor(rootOf(r.id));
    expect(root.name).toBe('chat gpt-4o-mini');
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 20,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.response.finish_reasons': ['stop'],
      'http.response.status_code': 200,
      'tollgate.model_group': 'gpt-4o-mini',
      'tollgate.deployment': 'primary',
      'tollgate.outcome': 'ok',
      'tollgate.attempts': 1,
    });
    expect(root.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(root.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(root.attributes['gen_ai.response.model']).toMatch(/^gpt-4o-mini/);
    expect(root.attributes['tollgate.overhead_ms']).toBeGreaterThanOrEqual(0);
    expect(root.resource['service.name']).toBe('tollgate-test');
    expect(root.scope).toBe('@tollgate/plugin-otel');
    expect(root.endNs).toBeGreaterThan(root.startNs);
    // A new trace: the upstream saw this trace's id.
    expect(traceparentOf(upstream.requests.length - 1)).toContain(`-${root.traceId}-`);
  });

  it('adds a child span per hook stage that took time, inside the request span', async () => {
    const r = await chat('gpt-4o-mini');
    const [root] = await collector.waitFor(rootOf(r.id));
    const [pre] = await collector.waitFor((s) => s.parentSpanId === root.spanId && s.name === 'tollgate.preRoute');
    expect(pre.kind).toBe(1);
    expect(pre.attributes['tollgate.stage.duration_ms']).toBeGreaterThanOrEqual(4);
    expect(pre.startNs).toBeGreaterThanOrEqual(root.startNs);
    expect(pre.endNs).toBeLessThanOrEqual(root.endNs);
  });

  it('adds a client span per upstream attempt, the failed one with its error, each named in its own traceparent', async () => {
    const before = upstream.requests.length;
    upstream.setNext({ kind: 'status', status: 503 });
    const r = await chat('pair', { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
    expect(r.status).toBe(200);
    const [root] = await collector.waitFor(rootOf(r.id));
    const attempts = (await collector.waitFor((s) => s.kind === 3 && s.parentSpanId === root.spanId, 2)).sort((a, b) => Number(a.startNs - b.startNs));
    expect(attempts.map((a) => a.attributes['tollgate.deployment'])).toEqual(['pair-bad', 'pair-good']);
    expect(attempts[0].status.code).toBe(2);
    expect(attempts[0].attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': 'overloaded' });
    expect(attempts[1].attributes).toMatchObject({ 'http.response.status_code': 200, 'gen_ai.request.model': 'gpt-4o', 'server.address': '127.0.0.1' });
    const sentIds = [0, 1].map((i) => traceparentOf(before + i).split('-')[2]);
    expect(sentIds).toEqual(attempts.map((a) => a.spanId));
    expect(root.attributes['tollgate.attempts']).toBe(2);
  });

  it('gives a streamed request its time to first token, on the request and on the attempt', async () => {
    const r = await chat('gpt-4o-mini', {}, { stream: true, stream_options: { include_usage: true } });
    expect(r.body).toContain('data: [DONE]');
    const [root] = await collector.waitFor(rootOf(r.id));
    expect(root.attributes['tollgate.stream']).toBe(true);
    expect(root.attributes['tollgate.ttft_ms']).toBeGreaterThan(0);
    expect(root.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    const [attempt] = await collector.waitFor((s) => s.kind === 3 && s.parentSpanId === root.spanId);
    expect(attempt.attributes['tollgate.ttft_ms']).toBeGreaterThan(0);
    expect(attempt.endNs).toBeLessThanOrEqual(root.endNs);
  });

  it('marks a failed request span as an error', async () => {
    const r = await chat('no-such-model');
    expect(r.status).toBe(404);
    const [root] = await collector.waitFor(rootOf(r.id));
    expect(root.status.code).toBe(2);
    expect(root.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': 'not_found', 'tollgate.outcome': 'error' });
  });
});

describe('exporter endpoint', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  it('comes from OTEL_EXPORTER_OTLP_ENDPOINT when the plugin has no endpoint option', async () => {
    const c = await startCollector();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = c.url;
    const app = await startServer({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }] }, [withOptions(otel, { exportDelayMs: 10 })]);
    try {
      const res = await request(`${app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
      const id = String(res.headers['x-request-id']);
      await res.body.text();
      const [root] = await c.waitFor(rootOf(id));
      expect(root.attributes['gen_ai.system']).toBe('mock');
      expect(c.requests.every((r) => r.path === '/v1/traces')).toBe(true);
    } finally {
      await app.close();
      await c.close();
    }
  });
});
