import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mock from '@tollgate/adapter-mock';
import {
  AuthenticationError,
  ConfigError,
  createLogger,
  Gateway,
  loadConfig,
  STAGE_AUTH,
  STAGE_CACHE,
  STAGE_LAST,
  type ChatCompletion,
  type ChatCompletionRequest,
  type RequestContext,
  type Slot,
} from '@tollgate/core';
import { buildGateway, createTollgateServer } from '@tollgate/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import requestTagger, { REQUEST_TAGS, formatTags, parseTagList, type RequestTags, type TaggerOptions } from '../src/index.js';

const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));
const CHAT: ChatCompletionRequest = { model: 'demo', messages: [{ role: 'user', content: 'hi' }] };

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close(1000)));
  vi.restoreAllMocks();
});

/** A gateway with the mock provider and the tagger; extra plugins may tap around it. */
async function gatewayWith(options?: TaggerOptions, before?: (g: Gateway) => void): Promise<Gateway> {
  const gateway = new Gateway({
    config: { model_list: [{ model_name: 'demo', params: { model: 'mock/demo', mock_response: 'hello' } }] },
    logger: createLogger({ level: 'silent' }),
  });
  open.push(gateway);
  await gateway.use(mock);
  before?.(gateway);
  await gateway.use(requestTagger, options);
  return gateway.start();
}

/** Run one request through the pipeline and drain it; returns its context. */
async function send(gateway: Gateway, request: Partial<ChatCompletionRequest> = {}, headers: Record<string, string> = {}): Promise<RequestContext> {
  const ctx = gateway.createContext('chat', { ...CHAT, ...request }, { headers });
  const result = await gateway.execute(ctx, { passThrough: false });
  if (result.kind === 'stream') for await (const _ of result.stream) { /* drain */ }
  return ctx;
}

describe('options', () => {
  it.each([
    [{ tags: { team: 42 } }, 'options.tags.team: must be string'],
    [{ colour: 'red' }, 'options.colour: is not a known property'],
    [{ header: 'x request tags' }, 'options.header: must be an HTTP header name'],
    [{ fromMetadata: 'yes' }, 'options.fromMetadata: must be boolean'],
  ])('rejects %j at gateway.use, naming the path', async (options, message) => {
    const gateway = new Gateway({ logger: createLogger({ level: 'silent' }) });
    const use = gateway.use(requestTagger, options);
    await expect(use).rejects.toBeInstanceOf(ConfigError);
    await expect(use).rejects.toThrow(`Invalid options for plugin "tollgate-plugin-request-tagger": ${message}`);
  });

  it('defaults to the x-request-tags response header and the x-tags request header', async () => {
    const ctx = await send(await gatewayWith(), {}, { 'x-tags': 'urgent' });
    expect(ctx.responseHeaders).toEqual({ 'x-request-tags': 'urgent' });
  });
});

describe('tagging', () => {
  it('merges the x-tags header, the request metadata and the configured tags, configured ones winning', async () => {
    const gateway = await gatewayWith({ tags: { team: 'a' } });
    const ctx = await send(gateway, { metadata: { env: 'prod' } }, { 'x-tags': 'urgent, team=b' });
    expect(ctx.outcome).toBe('ok');
    expect(ctx.responseHeaders['x-request-tags']).toBe('urgent,team=a,env=prod');
  });

  it('sets the header on streamed answers too, before their first byte', async () => {
    const gateway = await gatewayWith({ tags: { team: 'a' } });
    const ctx = gateway.createContext('chat', { ...CHAT, stream: true }, { headers: {} });
    const result = await gateway.execute(ctx);
    expect(result.kind).toBe('stream');
    expect(ctx.responseHeaders['x-request-tags']).toBe('team=a');
    if (result.kind === 'stream') for await (const _ of result.stream) { /* drain */ }
  });

  it('reads metadata only when fromMetadata is on, and uses the configured header name', async () => {
    const gateway = await gatewayWith({ header: 'X-Team-Tags', fromMetadata: false, tags: { team: 'a' } });
    const ctx = await send(gateway, { metadata: { env: 'prod' } });
    expect(ctx.responseHeaders).toEqual({ 'x-team-tags': 'team=a' });
  });

  it('ignores tags that could not travel in a header, with a warning', async () => {
    const ctx = await send(await gatewayWith(), {}, { 'x-tags': 'ok=1, two words=x, quote="y"' });
    expect(ctx.responseHeaders['x-request-tags']).toBe('ok=1');
    expect(ctx.warnings).toEqual([expect.stringMatching(/^request-tagger: ignored tags "two words", "quote"/)]);
  });

  it('keeps at most 16 tags, counting prototype-like names as plain tags', async () => {
    const many = ['constructor=1', '__proto__=2', ...Array.from({ length: 16 }, (_, i) => `t${i}=x`)].join(',');
    const ctx = await send(await gatewayWith(), {}, { 'x-tags': many });
    const sent = ctx.responseHeaders['x-request-tags'].split(',');
    expect(sent).toHaveLength(16);
    expect(sent.slice(0, 2)).toEqual(['constructor=1', '__proto__=2']);
    expect(ctx.warnings).toEqual([expect.stringMatching(/^request-tagger: ignored tags "t14", "t15"/)]);
  });

  it('sends no header when a request has no tags', async () => {
    const ctx = await send(await gatewayWith());
    expect(ctx.responseHeaders).toEqual({});
  });
});

describe('account', () => {
  it('logs the tags once per request, after the answer', async () => {
    const gateway = await gatewayWith({ tags: { team: 'a' } });
    const info = vi.spyOn(gateway.logger, 'info');
    const ctx = await send(gateway, {}, { 'x-tags': 'env=dev' });
    await gateway.close(); // waits for pending account taps
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith({ requestId: ctx.id, outcome: 'ok', model: 'demo', tags: { env: 'dev', team: 'a' } }, 'request tags');
  });

  it('shares the tags with other plugins through the REQUEST_TAGS token', async () => {
    const seen: Array<RequestTags | null> = [];
    const gateway = await gatewayWith({ tags: { team: 'a' } });
    // Another plugin (here, the test) resolves the slot from the container; no import of internals needed.
    const slot = gateway.container.resolve<Slot<RequestTags | null>>(REQUEST_TAGS);
    gateway.hooks.account.tap({ name: 'test', stage: STAGE_LAST }, (ctx) => { seen.push(slot.get(ctx)); });
    await send(gateway, { stream: true }, { 'x-tags': 'urgent' });
    await gateway.close();
    expect(seen).toEqual([{ urgent: '', team: 'a' }]);
  });

  it('tags a cache hit, which skips the STAGE_DEFAULT preRoute tap', async () => {
    const cached: ChatCompletion = {
      id: 'cached', object: 'chat.completion', created: 0, model: 'demo',
      choices: [{ index: 0, message: { role: 'assistant', content: 'from cache' }, finish_reason: 'stop', logprobs: null }],
    };
    const gateway = await gatewayWith({ tags: { team: 'a' } }, (g) => {
      g.hooks.preRoute.tap({ name: 'cache', stage: STAGE_CACHE }, () => ({ respond: cached, reason: 'cache_hit' }));
    });
    const info = vi.spyOn(gateway.logger, 'info');
    const ctx = await send(gateway);
    await gateway.close();
    expect(ctx.outcome).toBe('cache_hit');
    expect(ctx.responseHeaders['x-request-tags']).toBe('team=a');
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'cache_hit', tags: { team: 'a' } }), 'request tags');
  });

  it('tags a request rejected at auth in account', async () => {
    const gateway = await gatewayWith({ tags: { team: 'a' } }, (g) => {
      g.hooks.preRoute.tap({ name: 'auth', stage: STAGE_AUTH }, () => ({ reject: new AuthenticationError('no') }));
    });
    const info = vi.spyOn(gateway.logger, 'info');
    await expect(send(gateway)).rejects.toBeInstanceOf(AuthenticationError);
    await gateway.close();
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'rejected', tags: { team: 'a' } }), 'request tags');
  });
});

describe('helpers', () => {
  it('parses and formats tag lists', () => {
    expect(parseTagList(' team=a,, urgent ,env = prod ')).toEqual([['team', 'a'], ['urgent', ''], ['env', 'prod']]);
    expect(formatTags({ team: 'a', urgent: '' })).toBe('team=a,urgent');
  });
});

describe('loaded by package name from a config file', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A project directory whose node_modules holds this package, as `npm install` would leave it. */
  async function project(yaml: string): Promise<string> {
    if (!existsSync(path.join(PKG_DIR, 'dist/index.js'))) {
      throw new Error('examples/plugin-request-tagger/dist/index.js is missing: run `pnpm build` first (the config loads the built package, by name).');
    }
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-tagger-'));
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(PKG_DIR, path.join(dir, 'node_modules', 'tollgate-plugin-request-tagger'), 'dir');
    const file = path.join(dir, 'tollgate.config.yaml');
    await writeFile(file, yaml);
    return file;
  }

  const MODELS = 'model_list:\n  - model_name: demo\n    params: { model: mock/demo, mock_response: hello }\n';

  it('tags responses of the reference server, streamed or not', async () => {
    const file = await project(`${MODELS}plugins:\n  - ["tollgate-plugin-request-tagger", { tags: { team: "a" } }]\n`);
    const gateway = await buildGateway(await loadConfig(file), { logger: createLogger({ level: 'silent' }) });
    const app = createTollgateServer(gateway, { requestLog: false });
    try {
      const { port } = await app.listen(0);
      const post = (body: object) => fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tags': 'env=dev' },
        body: JSON.stringify({ ...CHAT, ...body }),
      });
      const plain = await post({});
      expect(plain.status).toBe(200);
      expect(plain.headers.get('x-request-tags')).toBe('env=dev,team=a');
      expect(((await plain.json()) as ChatCompletion).choices[0].message.content).toBe('hello');
      const streamed = await post({ stream: true });
      expect(streamed.headers.get('content-type')).toBe('text/event-stream');
      expect(streamed.headers.get('x-request-tags')).toBe('env=dev,team=a');
      expect(await streamed.text()).toMatch(/data: \[DONE\]\n\n$/);
    } finally {
      await app.close(1000);
    }
  });

  it('fails start-up naming the option path when the config gives a bad option', async () => {
    const file = await project(`${MODELS}plugins:\n  - ["tollgate-plugin-request-tagger", { tags: { team: 1 } }]\n`);
    await expect(buildGateway(await loadConfig(file), { logger: createLogger({ level: 'silent' }) }))
      .rejects.toThrow('Invalid options for plugin "tollgate-plugin-request-tagger": options.tags.team: must be string');
  });
});
