import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createLogger, makeCaller, normalizeConfig, STAGE_CACHE, STAGE_DEFAULT, type Plugin } from '@tollgate/core';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { buildGateway, createTollgateServer, type TollgateServer } from '@tollgate/server';

const MASTER = 'sk-master-requestlog-7f3a9c';
const VIRTUAL = 'sk-virtual-requestlog-b81d22';
const UPSTREAM = 'sk-upstream-requestlog-55e0c1';
const WRONG_UPSTREAM = 'sk-upstream-wrong-requestlog-0a9e';
const IN_BODY = 'sk-inbody-requestlog-c4c4c4';
const IN_MESSAGE = 'sk-proj-inmessage-requestlog-9d9d9d';
const IN_HEADERS = 'sk-extraheaders-requestlog-e1e1e1';
const IN_QUERY = 'sk-query-requestlog-12ab34';
const GOOGLE = 'AIzaSyD-requestlog-0000000000000000000';
const SECRETS = [MASTER, VIRTUAL, UPSTREAM, WRONG_UPSTREAM, IN_BODY, IN_MESSAGE, IN_HEADERS, IN_QUERY, GOOGLE];

const lines: string[] = [];
const records = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.requestId && l.msg?.startsWith('request'));

/** Stand-ins for the keys, cost and cache plugins. */
const fakes: Plugin = {
  name: 'fakes',
  apply(g) {
    const caller = makeCaller({ kind: 'key', keyId: 'kid-1', keyAlias: 'billing-team', teamId: 'team-b' });
    g.hooks.authenticate.tap('fakes', (a) => (a.key === VIRTUAL ? caller : undefined));
    g.hooks.preRoute.tap({ name: 'fakes', stage: STAGE_CACHE, marksChanges: true }, (req: any) => (req.messages?.[0]?.content === 'cached'
      ? { respond: { id: 'x', object: 'chat.completion', created: 1, model: req.model, choices: [{ index: 0, message: { role: 'assistant', content: 'hit' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }, reason: 'cache_hit' }
      : undefined));
    g.hooks.account.tap({ name: 'fakes-cost', stage: STAGE_DEFAULT }, (ctx) => { if (ctx.usage) ctx.cost = 0.0001 * ctx.usage.total_tokens; });
  },
};

let upstream: MockOpenAIServer;
async function start(settings: Record<string, unknown>): Promise<{ app: TollgateServer; url: string }> {
  const { config, warnings } = normalizeConfig({
    model_list: [
      { model_name: 'gpt-4o-mini', params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: UPSTREAM }, model_info: { id: 'good' } },
      { model_name: 'wrong-key', params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: WRONG_UPSTREAM }, model_info: { id: 'wrong' } },
      { model_name: 'gemini-ish', params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: UPSTREAM, headers: { 'x-goog-api-key': GOOGLE } } },
    ],
    settings: { master_key: MASTER, ...settings },
  });
  config.plugins = [fakes as never];
  // The production logger (redacting, batched), written to memory.
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => { lines.push(...s.split('\n').filter(Boolean)); } } });
  const gateway = await buildGateway({ config, warnings, filepath: null, dir: process.cwd() }, { logger });
  const app = createTollgateServer(gateway);
  const addr = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${addr.port}` };
}

let tg: { app: TollgateServer; url: string };
beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: UPSTREAM });
  tg = await start({ log_request_bodies: true });
});
afterAll(async () => { await tg.app.close(2000); await upstream.close(); });

async function post(path: string, body: unknown, headers: Record<string, string>) {
  const res = await request(`${tg.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, id: String(res.headers['x-request-id']), text: await res.body.text() };
}

async function lineFor(id: string): Promise<Record<string, any>> {
  for (let i = 0; i < 100; i++) {
    const r = records().find((l) => l.requestId === id);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`no request log line for ${id}`);
}

describe('the request log', () => {
  it('writes one line per request after it completes, with the fields operators need', async () => {
    const r = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }, { authorization: `Bearer ${VIRTUAL}` });
    expect(r.status).toBe(200);
    const line = await lineFor(r.id);
    expect(line).toMatchObject({
      level: 30, msg: 'request', requestId: r.id, operation: 'chat', model: 'gpt-4o-mini', modelGroup: 'gpt-4o-mini', deployment: 'good', provider: 'openai',
      status: 200, outcome: 'ok', attempts: 1, stream: false, key: 'billing-team', team: 'team-b',
    });
    expect(line.tokensIn).toBeGreaterThan(0);
    expect(line.tokensOut).toBeGreaterThan(0);
    expect(line.cost).toBeCloseTo(0.0001 * (line.tokensIn + line.tokensOut), 10);
    expect(line.ms).toBeGreaterThan(0);
    expect(line.upstreamMs).toBeGreaterThan(0);
    expect(line.overheadMs).toBeGreaterThanOrEqual(0);
    expect(line.overheadMs).toBeLessThanOrEqual(line.ms);
    expect(line.ttftMs).toBeUndefined();
    expect(records().filter((l) => l.requestId === r.id)).toHaveLength(1);
  });

  it('gives streams their time to first token, cache hits their cache field, failures their kind', async () => {
    const s = await post('/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream' }] }, { authorization: `Bearer ${VIRTUAL}` });
    const c = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'cached' }] }, { authorization: `Bearer ${VIRTUAL}` });
    const f = await post('/v1/chat/completions', { model: 'wrong-key', messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${MASTER}` });
    expect([s.status, c.status, f.status]).toEqual([200, 200, 401]);
    const stream = await lineFor(s.id);
    expect(stream).toMatchObject({ stream: true, status: 200, outcome: 'ok' });
    expect(stream.ttftMs).toBeGreaterThan(0);
    expect(stream.tokensOut).toBeGreaterThan(0);
    expect(await lineFor(c.id)).toMatchObject({ cache: 'hit', outcome: 'cache_hit', reason: 'cache_hit', attempts: 0 });
    expect(await lineFor(f.id)).toMatchObject({ level: 40, msg: 'request refused', status: 401, kind: 'auth', outcome: 'error', key: 'master_key', deployment: 'wrong' });
  });

  it('carries bodies only when asked, redacted', async () => {
    const r = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `my key is ${IN_MESSAGE}` }] }, { authorization: `Bearer ${VIRTUAL}` });
    const line = await lineFor(r.id);
    expect(line.request.messages[0].content).toBe('my key is sk-[redacted]');
    expect(line.response.choices[0].message.content).toContain('sk-[redacted]');

    const quiet = await start({});
    try {
      const res = await request(`${quiet.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
      const id = String(res.headers['x-request-id']);
      await res.body.text();
      const plain = await lineFor(id);
      expect(plain.request).toBeUndefined();
      expect(plain.response).toBeUndefined();
    } finally {
      await quiet.app.close(2000);
    }
  });

  it('never writes a key, wherever a client or the config put one', async () => {
    const body = (extra: object) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `use ${IN_MESSAGE} and ${GOOGLE}` }], ...extra });
    await post('/v1/chat/completions', body({}), { authorization: `Bearer ${VIRTUAL}` });
    await post('/v1/chat/completions', body({}), { 'x-api-key': MASTER });
    await post('/v1/chat/completions', body({}), { 'api-key': VIRTUAL });
    await post('/v1/chat/completions', body({ api_key: IN_BODY }), { authorization: `Bearer ${VIRTUAL}` });
    await post('/v1/chat/completions', body({ extra_headers: { authorization: `Bearer ${IN_HEADERS}` } }), { authorization: `Bearer ${VIRTUAL}` });
    await post(`/v1/chat/completions?key=${IN_QUERY}&api_key=${IN_QUERY}`, body({}), { authorization: `Bearer ${VIRTUAL}` });
    await post('/v1/chat/completions', body({}), { authorization: 'Bearer sk-not-a-known-key-0123456789', 'x-goog-api-key': GOOGLE });
    await post('/v1/chat/completions', body({}), { authorization: `Bearer ${WRONG_UPSTREAM}` });
    await post('/v1/chat/completions', { ...body({}), model: 'wrong-key' }, { authorization: `Bearer ${MASTER}` });
    await post('/v1/chat/completions', { ...body({}), model: 'gemini-ish', stream: true }, { authorization: `Bearer ${MASTER}` });
    await post('/v1/messages', { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: `key ${IN_MESSAGE}` }] }, { 'x-api-key': VIRTUAL, 'anthropic-version': '2023-06-01' });
    await post('/v1/chat/completions', '{"model": broken', { authorization: `Bearer ${VIRTUAL}` });
    await new Promise((r) => setTimeout(r, 150));
    const all = lines.join('\n');
    expect(records().length).toBeGreaterThan(10);
    for (const secret of SECRETS) expect(all, secret).not.toContain(secret);
    expect(all).not.toContain('sk-not-a-known-key-0123456789');
  });
});
