import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plugin } from '@tollgate/core';
import { assertJsonDepth, MAX_JSON_DEPTH } from '../src/security/json-depth.js';
import { memoryLogger, startServer, type Running } from './helpers.js';

const ran: string[] = [];
const recorder: Plugin = { name: 'rec', apply(g) { g.hooks.preRoute.tapPromise('rec', async (_r, ctx) => { ran.push(ctx.requestedModel); return undefined; }); } };
const thrower: Plugin = {
  name: 'thrower',
  apply(g) {
    g.hooks.preRoute.tapPromise('thrower', async (_r, ctx) => {
      if (ctx.requestedModel === 'boom') throw new Error('plugin bug near sk-live-abcdefghijklmnop');
      return undefined;
    });
  },
};

let tg: Running;
let cors: Running;
const logs = memoryLogger();
beforeAll(async () => {
  tg = await startServer({
    model_list: [
      { model_name: 'm', params: { model: 'mock/m' } },
      { model_name: 'boom', params: { model: 'mock/boom' } },
      { model_name: 'e', params: { model: 'mock/e' } },
    ],
  }, [recorder, thrower], logs.logger);
  cors = await startServer({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { cors_allow_origins: ['https://app.example.com'] } });
});
afterAll(async () => { await tg.close(); await cors.close(); });

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const post = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('browser origins (CORS)', () => {
  it('refuses a text/plain POST from a page on another origin with 403, before any work', async () => {
    ran.length = 0;
    const res = await post(tg.url, '/v1/chat/completions', JSON.stringify(chat), { 'content-type': 'text/plain', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { message: 'Origin "https://evil.example" is not allowed to call this gateway (settings.cors_allow_origins).', type: 'permission_denied', param: null, code: 'origin_not_allowed' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(ran).toEqual([]);
  });

  it('serves requests without an Origin (curl, SDKs) as before', async () => {
    const res = await post(tg.url, '/v1/chat/completions', JSON.stringify(chat));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an allowed origin with its CORS headers, and a preflight from it with 204', async () => {
    const res = await post(cors.url, '/v1/chat/completions', JSON.stringify(chat), { origin: 'https://app.example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('vary')).toBe('origin');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const pre = await fetch(`${cors.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-stainless-os');
  });

  it('refuses a preflight from an origin not in the list', async () => {
    const pre = await fetch(`${cors.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('"*" allows any origin', async () => {
    const any = await startServer({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { cors_allow_origins: ['*'] } });
    try {
      const res = await post(any.url, '/v1/chat/completions', JSON.stringify(chat), { origin: 'https://whatever.example' });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://whatever.example');
    } finally {
      await any.close();
    }
  });

  it('a malformed origin list fails start-up naming the key', async () => {
    await expect(startServer({ model_list: [], settings: { cors_allow_origins: ['https://a.example/path'] } })).rejects.toThrow('Invalid config: settings.cors_allow_origins[0]: must be an origin (scheme://host[:port], no path) or "*"');
    await expect(startServer({ model_list: [], settings: { client_header_timeout: 0 } })).rejects.toThrow('Invalid config: settings.client_header_timeout: must be a number of seconds > 0');
  });
});

describe('client input never gives a 500', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400 naming the limit, on every JSON endpoint`, async () => {
    for (const path of ['/v1/chat/completions', '/v1/embeddings', '/v1/messages', '/v1/messages/count_tokens']) {
      const res = await post(tg.url, path, `{"model":"m","metadata":${nested(5000)}}`);
      expect(res.status, path).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    const ok = await post(tg.url, '/v1/chat/completions', JSON.stringify({ ...chat, metadata: { a: JSON.parse(nested(MAX_JSON_DEPTH - 2)) } }));
    expect(ok.status).toBe(200);
  });

  it('counts brackets only outside strings', () => {
    expect(() => assertJsonDepth(Buffer.from(JSON.stringify({ s: '['.repeat(500) + '"\\' })))).not.toThrow();
    expect(() => assertJsonDepth(Buffer.from(nested(3)), 2)).toThrow('nested more than 2 levels');
  });

  it('answers bad percent-encoding in a path with 400', async () => {
    const res = await fetch(`${tg.url}/v1/models/%ZZ`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_path');
  });

  it('refuses null inside an Anthropic tool_result content or thinking_blocks with 400', async () => {
    const toolResult = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [null] }] }] };
    const r1 = await post(tg.url, '/v1/messages', JSON.stringify(toolResult));
    expect(r1.status).toBe(400);
    expect(await r1.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content.0.content.0: Input should be a valid dictionary' } });
    const thinking = { model: 'm', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', thinking_blocks: [null] }, { role: 'user', content: 'q' }] };
    const r2 = await post(tg.url, '/v1/chat/completions', JSON.stringify(thinking));
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { error: { param: string } }).error.param).toBe('messages[1].thinking_blocks[0]');
  });

  it('refuses Anthropic server tools for a model served by another provider, naming them', async () => {
    const body = { model: 'm', max_tokens: 5, tools: [{ name: 'f', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'q' }] };
    const res = await post(tg.url, '/v1/messages', JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('tools.1 (web_search_20250305): Anthropic server tools need an Anthropic deployment, but model `m` is also served by mock/m.');
  });

  it('bounds the mock provider\'s embedding dimensions', async () => {
    const res = await post(tg.url, '/v1/embeddings', JSON.stringify({ model: 'e', input: 'x', dimensions: 10_000_000 }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('dimensions');
  });
});

describe('diagnosis', () => {
  const lineFor = (requestId: string, msg?: string) => logs.lines.find((l) => l.requestId === requestId && (!msg || l.msg === msg));

  it('logs the cause of a 500, scrubbed, while the client sees only "Internal gateway error."', async () => {
    const res = await post(tg.url, '/v1/chat/completions', JSON.stringify({ ...chat, model: 'boom' }), { 'x-request-id': 'req-boom' });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Internal gateway error.');
    await expect.poll(() => lineFor('req-boom', 'internal error')).toBeTruthy();
    const line = JSON.stringify(lineFor('req-boom', 'internal error'));
    expect(line).toContain('plugin bug near sk-[redacted]');
    expect(line).toContain('security.test.ts');
    expect(line).not.toContain('abcdefghijklmnop');
  });

  it('writes a log line for count_tokens and for a /v1/messages request refused before it had a context', async () => {
    await post(tg.url, '/v1/messages/count_tokens', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'count me' }] }), { 'x-request-id': 'req-count' });
    await post(tg.url, '/v1/messages', '{"model": ', { 'x-request-id': 'req-early' });
    await expect.poll(() => lineFor('req-count')).toMatchObject({ route: 'POST /v1/messages/count_tokens', model: 'm', status: 200 });
    await expect.poll(() => lineFor('req-early')).toMatchObject({ route: 'POST /v1/messages', status: 400, err: 'Request body is not valid JSON.' });
  });

  it('answers GET /v1/messages with 405 in Anthropic\'s envelope', async () => {
    const res = await fetch(`${tg.url}/v1/messages`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Method GET is not allowed here; use POST.' } });
  });
});
