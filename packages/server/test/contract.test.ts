/**
 * What the server guarantees around the pipeline: authentication before the body, protected
 * plugin routes, validated plugin headers, masked requests never passed through in the client's
 * bytes, client fields that never reach the upstream, keys that never leave.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, STAGE_INPUT_GUARD, makeCaller, type RequestContext } from '@tollgate/core';
import openaiPlugin from '@tollgate/adapter-openai';
import mockPlugin from '@tollgate/adapter-mock';
import anthropicPlugin from '../../adapters-anthropic/src/index.js';
import { startMockAnthropic, type MockAnthropicServer } from '../../testing/src/anthropic-mock.js';
import { startMockOpenAI, type MockOpenAIServer } from '../../testing/src/openai-mock.js';
import { createTollgateServer, type TollgateServer } from '../src/index.js';
import { silent } from './helpers.js';

const MASTER = 'sk-master-contract-1234';
const CARD = '4111 1111 1111 1111';
let anthropicUp: MockAnthropicServer;
let openaiUp: MockOpenAIServer;
let server: TollgateServer;
let base: string;
const accounted: RequestContext[] = [];

beforeAll(async () => {
  anthropicUp = await startMockAnthropic({ apiKey: 'sk-ant-upstream-secret' });
  openaiUp = await startMockOpenAI({ apiKey: 'sk-upstream-openai-secret' });
  const gateway = new Gateway({
    logger: silent,
    config: {
      model_list: [
        { model_name: 'claude', params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUp.url, api_key: 'sk-ant-upstream-secret' } },
        { model_name: 'gpt', params: { model: 'openai/gpt-4o-mini', api_base: `${openaiUp.url}/v1`, api_key: 'sk-upstream-openai-secret' } },
        { model_name: 'gpt-open', params: { model: 'openai/gpt-4o-mini', api_base: `${openaiUp.url}/v1`, api_key: 'sk-upstream-openai-secret', allowed_client_params: ['user_tier'] } },
        { model_name: 'm', params: { model: 'mock/m' } },
        { model_name: 'other', params: { model: 'mock/other' } },
      ],
      settings: { master_key: MASTER },
    },
  });
  await gateway.use(openaiPlugin);
  await gateway.use(mockPlugin);
  await gateway.use(anthropicPlugin);
  await gateway.use({
    name: 'test-plugin',
    apply(g) {
      // A guard that masks card numbers in place and says so.
      g.hooks.preRoute.tapPromise({ name: 'mask', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (req, ctx) => {
        for (const m of req.messages ?? []) {
          if (typeof m.content === 'string' && m.content.includes(CARD)) { m.content = m.content.replace(CARD, '[CARD]'); ctx.markRequestChanged(); }
        }
      });
      g.hooks.preRoute.tapPromise({ name: 'bad-header', marksChanges: true }, async (_r, ctx) => {
        if (ctx.headers['x-want-bad-header']) ctx.responseHeaders['x-plugin-note'] = 'line one\nline two';
      });
      g.hooks.authenticate.tapPromise('keys', async ({ key }) => (key === 'sk-virtual-only-m' ? makeCaller({ kind: 'key', keyId: 'v1', keyAlias: 'only-m', models: ['m'] }) : undefined));
      g.hooks.account.tapPromise('acc', async (ctx) => { accounted.push(ctx); });
      g.routes.add({ method: 'GET', path: '/admin/things', handler: (_req, _res, r) => r.json(200, { ok: true }) });
      g.routes.add({ method: 'GET', path: '/public/ping', auth: 'public', handler: (_req, _res, r) => r.json(200, { pong: true }) });
      g.routes.add({ method: 'GET', path: '/mine', auth: 'caller', handler: (_req, _res, r) => r.json(200, { alias: r.caller.keyAlias }) });
    },
  });
  await gateway.start();
  server = createTollgateServer(gateway, { requestLog: false });
  base = `http://127.0.0.1:${(await server.listen(0)).port}`;
});
afterAll(async () => {
  await server.close(1000);
  await anthropicUp.close();
  await openaiUp.close();
});

const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
  request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const auth = { authorization: `Bearer ${MASTER}` };

describe('authentication comes first', () => {
  it('a request without a valid key is refused from its headers, before its body is read', async () => {
    const res = await post('/v1/chat/completions', '{ this is not json', { authorization: 'Bearer sk-wrong' });
    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
    const big = await post('/v1/chat/completions', `{"model":"m","messages":[{"role":"user","content":"${'x'.repeat(6_000_000)}"}]}`);
    expect(big.statusCode).toBe(401);
    await big.body.text();
  });

  it('/v1/models and count_tokens take virtual keys, and list or count only what the key may use', async () => {
    const models = await request(`${base}/v1/models`, { headers: { authorization: 'Bearer sk-virtual-only-m' } });
    expect(((await models.body.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toEqual(['m']);
    const count = await post('/v1/messages/count_tokens', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-virtual-only-m' });
    expect(count.statusCode).toBe(200);
    const refused = await post('/v1/chat/completions', { model: 'other', messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer sk-virtual-only-m' });
    expect(refused.statusCode).toBe(403);
    expect(((await refused.body.json()) as { error: { message: string } }).error.message).toContain('`other`');
  });
});

describe('plugin routes', () => {
  it('are admin-only unless they say otherwise', async () => {
    expect((await request(`${base}/admin/things`)).statusCode).toBe(401);
    const asVirtual = await request(`${base}/admin/things`, { headers: { authorization: 'Bearer sk-virtual-only-m' } });
    expect(asVirtual.statusCode).toBe(403);
    await asVirtual.body.text();
    const asMaster = await request(`${base}/admin/things`, { headers: auth });
    expect(await asMaster.body.json()).toEqual({ ok: true });
    expect(await (await request(`${base}/public/ping`)).body.json()).toEqual({ pong: true });
    expect(await (await request(`${base}/mine`, { headers: { authorization: 'Bearer sk-virtual-only-m' } })).body.json()).toEqual({ alias: 'only-m' });
  });
});

describe('plugin response headers', () => {
  it('an invalid header value a plugin set is dropped, never a 500, and the stream is settled', async () => {
    accounted.length = 0;
    const res = await post('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hello' }] }, { ...auth, 'x-want-bad-header': '1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-plugin-note']).toBeUndefined();
    expect(await res.body.text()).toContain('data: [DONE]');
    await expect.poll(() => accounted.length).toBe(1);
    expect(accounted[0].outcome).toBe('ok');
    const plain = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hello' }] }, { ...auth, 'x-want-bad-header': '1' });
    expect(plain.statusCode).toBe(200);
    await plain.body.json();
  });
});

describe('a request changed in place is never sent in the client\'s own bytes', () => {
  it('the Anthropic upstream gets the masked text from an Anthropic client (/v1/messages)', async () => {
    const client = new Anthropic({ apiKey: MASTER, baseURL: base, maxRetries: 0 });
    await client.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: `pay with ${CARD}` }] });
    const sent = JSON.stringify(anthropicUp.requests.at(-1)!.body);
    expect(sent).toContain('[CARD]');
    expect(sent).not.toContain(CARD);
  });

  it('and from an OpenAI client (/v1/chat/completions)', async () => {
    const client = new OpenAI({ apiKey: MASTER, baseURL: `${base}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: `pay with ${CARD}` }] });
    const sent = JSON.stringify(anthropicUp.requests.at(-1)!.body);
    expect(sent).toContain('[CARD]');
    expect(sent).not.toContain(CARD);
  });

  it('an unchanged request from an Anthropic client still goes through as the client sent it', async () => {
    const client = new Anthropic({ apiKey: MASTER, baseURL: base, maxRetries: 0 });
    const body = { model: 'claude', max_tokens: 64, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'plain', cache_control: { type: 'ephemeral' as const } }] }] };
    await client.messages.create(body);
    expect(anthropicUp.requests.at(-1)!.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
  });
});

describe('client fields', () => {
  it('credential- and routing-shaped fields never reach the upstream; other unknown fields only where the deployment allows them', async () => {
    const body = { model: 'gpt', messages: [{ role: 'user', content: 'x' }], api_base: 'http://169.254.169.254/', api_key: 'sk-client', extra_headers: { a: 'b' }, custom_llm_provider: 'x', user_tier: 'gold' };
    const res = await post('/v1/chat/completions', body, auth);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-tollgate-warnings']).toContain("ignored param 'api_base'");
    await res.body.json();
    const sent = openaiUp.requests.at(-1)!.body;
    for (const k of ['api_base', 'api_key', 'extra_headers', 'custom_llm_provider', 'user_tier']) expect(sent).not.toHaveProperty(k);
    await (await post('/v1/chat/completions', { ...body, model: 'gpt-open' }, auth)).body.json();
    const allowed = openaiUp.requests.at(-1)!.body;
    expect(allowed.user_tier).toBe('gold');
    expect(allowed).not.toHaveProperty('api_base');
  });
});

describe('upstream keys never leave', () => {
  it('an upstream error that echoes the key is scrubbed in the response', async () => {
    openaiUp.setNext({ kind: 'status', status: 400, body: JSON.stringify({ error: { message: 'bad key sk-upstream-openai-secret in Bearer sk-upstream-openai-secret', type: 'invalid_request_error', param: null, code: null } }) });
    const res = await post('/v1/chat/completions', { model: 'gpt', messages: [{ role: 'user', content: 'x' }] }, auth);
    const text = await res.body.text();
    expect(res.statusCode).toBe(400);
    expect(text).not.toContain('sk-upstream-openai-secret');
  });

  it('an in-stream error event that echoes the key is scrubbed in the stream and in the log', async () => {
    const client = new OpenAI({ apiKey: MASTER, baseURL: `${base}/v1`, maxRetries: 0 });
    openaiUp.setNext({ kind: 'stream-error', afterChunks: 2 });
    accounted.length = 0;
    const got: string[] = [];
    const err = await (async () => {
      for await (const c of await client.chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i j k l m n' }] })) got.push(c.choices[0]?.delta?.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    await expect.poll(() => accounted.length).toBe(1);
    expect(JSON.stringify((err as Error).message)).not.toContain('sk-upstream');
  });
});
