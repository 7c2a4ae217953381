import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway, normalizeConfig } from '@tollgate/core';
import costPlugin from '@tollgate/plugin-cost';
import keysPlugin from '@tollgate/plugin-keys';
import cachePlugin from '../src/index.js';
import { serve, user, type Served } from './helpers.js';

/** This package's folder: the server finds @tollgate/plugin-cache from there, as from a project that installed it. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

let s: Served | null = null;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await s?.close();
  s = null;
  for (const c of cleanups.splice(0)) await c();
});

async function dropNamespace(namespace: string): Promise<void> {
  const admin = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await admin.keys(`tollgate:cache:${namespace}:*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
}

describe('an unchanged LiteLLM config', () => {
  it('litellm_settings.cache: true with cache_params (type redis) loads the cache by itself and serves hits to the openai SDK', async () => {
    const namespace = `tg-litellm-${randomBytes(4).toString('hex')}`;
    cleanups.push(() => dropNamespace(namespace));
    s = await serve({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
      litellm_settings: {
        cache: true,
        cache_params: { type: 'redis', host: '127.0.0.1', port: 6379, ttl: 600, namespace, supported_call_types: ['acompletion', 'completion'], redis_flush_size: 100 },
      },
    }, { dir: PACKAGE_DIR });
    expect(s.gateway.pluginNames.has('@tollgate/plugin-cache')).toBe(true);
    const client = s.client();
    const body = { model: 'gpt-4o-mini', messages: [user('Hello from LiteLLM land')] };
    const first = await client.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-tollgate-cache')).toBe('store');
    await new Promise((r) => setTimeout(r, 20));
    const second = await client.chat.completions.create(body).withResponse();
    expect(second.response.headers.get('x-tollgate-cache')).toBe('hit');
    expect(second.response.headers.get('x-tollgate-cache-key')).toBe(first.response.headers.get('x-tollgate-cache-key'));
    expect(second.data).toEqual(first.data);
    expect(s.logs.some((l) => /redis_flush_size/.test(l.msg))).toBe(true);
  });

  it('cache_params type local, streamed and not, through the openai SDK', async () => {
    s = await serve({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
      litellm_settings: { cache: true, cache_params: { type: 'local' } },
    }, { plugins: [cachePlugin] });
    const client = s.client();
    const body = { model: 'gpt-4o-mini', messages: [user('stream me please')] };
    const { data: stream, response } = await client.chat.completions.create({ ...body, stream: true }).withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(response.headers.get('x-tollgate-cache')).toBe('store');
    await new Promise((r) => setTimeout(r, 20));
    const hit = await client.chat.completions.create(body).withResponse();
    expect(hit.response.headers.get('x-tollgate-cache')).toBe('hit');
    expect(hit.data.choices[0].message.content).toBe(text);
    const replay = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }).withResponse();
    const chunks = [];
    for await (const c of replay.data) chunks.push(c);
    expect(replay.response.headers.get('x-tollgate-cache')).toBe('hit');
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(text);
    expect(chunks[chunks.length - 1].usage).toEqual(hit.data.usage);
  });

  it('body cache controls pass through the openai SDK (extra fields) and never reach the upstream', async () => {
    s = await serve({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
      litellm_settings: { cache: true },
    }, { plugins: [cachePlugin] });
    const client = s.client();
    const body = { model: 'gpt-4o-mini', messages: [user('controls')] };
    await client.chat.completions.create(body);
    const r = await client.chat.completions.create({ ...body, cache: { 'no-cache': true } } as never).withResponse();
    expect(r.response.headers.get('x-tollgate-cache')).toBe('bypass');
    expect(r.response.headers.get('x-tollgate-warnings')).toBeNull();
    const h = await client.chat.completions.create(body, { headers: { 'cache-control': 'no-store' } }).withResponse();
    expect(h.response.headers.get('x-tollgate-cache')).toBe('hit');
  });

  it('an unknown cache type stops start-up with a message naming the key and the types', async () => {
    const { config } = normalizeConfig({
      model_list: [{ model_name: 'm', litellm_params: { model: 'mock/m' } }],
      litellm_settings: { cache: true, cache_params: { type: 's3', s3_bucket_name: 'b' } },
    }, {});
    const g = new Gateway({ config });
    const err = await g.use(cachePlugin).then(() => g.start()).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/litellm_settings\.cache_params\.type/);
    expect(err.message).toMatch(/local, memory, redis/);
  });

  it('settings.cache: false turns it off', async () => {
    s = await serve({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
      litellm_settings: { cache: false },
    }, { plugins: [cachePlugin] });
    const r = await s.client().chat.completions.create({ model: 'gpt-4o-mini', messages: [user('x')] }).withResponse();
    expect(r.response.headers.get('x-tollgate-cache')).toBeNull();
  });
});

describe("LiteLLM's cache admin routes", () => {
  it('/cache/ping, /cache/delete by the header key and /cache/flushall, for the master key only', async () => {
    const MASTER = 'sk-master-cache';
    s = await serve({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
      general_settings: { master_key: MASTER },
      litellm_settings: { cache: true, cache_params: { type: 'local', namespace: 'ns' } },
    }, { plugins: [cachePlugin] });
    const admin = (method: string, path: string, body?: unknown, key = MASTER) =>
      fetch(`${s!.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const client = s.client(MASTER);
    const ask = async (content: string) => (await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user(content)] }).withResponse()).response.headers;

    const ping = await admin('GET', '/cache/ping');
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ status: 'healthy', cache_type: 'local' });
    expect((await admin('GET', '/cache/ping', undefined, 'sk-wrong')).status).toBe(401);

    const first = await ask('one');
    const key = first.get('x-litellm-cache-key');
    expect(key).toBe(first.get('x-tollgate-cache-key'));
    expect((await ask('one')).get('x-tollgate-cache')).toBe('hit');
    const del = await admin('POST', '/cache/delete', { keys: [key] });
    expect(await del.json()).toEqual({ status: 'success', deleted: 1 });
    expect((await ask('one')).get('x-tollgate-cache')).toBe('store');
    expect((await admin('POST', '/cache/delete', { keys: 'nope' })).status).toBe(400);

    await ask('two');
    expect((await ask('two')).get('x-tollgate-cache')).toBe('hit');
    expect((await admin('POST', '/cache/flushall')).status).toBe(200);
    expect((await ask('two')).get('x-tollgate-cache')).toBe('store');
  });
});

describe('virtual keys (@tollgate/plugin-keys)', () => {
  it("one key's entry is a miss for another key; allowed_cache_controls bars a control with a 403", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cache-keys-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const MASTER = 'sk-1234';
    s = await serve({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
      general_settings: { master_key: MASTER, database_url: join(dir, 'keys.db') },
      litellm_settings: { cache: true },
    }, { plugins: [cachePlugin, keysPlugin, costPlugin] });
    const gen = async (body: Record<string, unknown> = {}) => {
      const r = await fetch(`${s!.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return ((await r.json()) as { key: string }).key;
    };
    const a = s.client(await gen());
    const b = s.client(await gen({ allowed_cache_controls: ['no-cache'] }));
    const body = { model: 'gpt-4o-mini', messages: [user('tenant isolation')] };
    const headerOf = async (c: typeof a, extra: Record<string, unknown> = {}) => (await c.chat.completions.create({ ...body, ...extra } as never).withResponse()).response.headers.get('x-tollgate-cache');
    expect(await headerOf(a)).toBe('store');
    expect(await headerOf(b)).toBe('store');
    expect(await headerOf(a)).toBe('hit');
    expect(await headerOf(b)).toBe('hit');
    expect(await headerOf(b, { cache: { 'no-cache': true } })).toBe('bypass');
    const err = await b.chat.completions.create({ ...body, cache: { 'no-store': true } } as never).catch((e) => e);
    expect(err.status).toBe(403);
  });
});
