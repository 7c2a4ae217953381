import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { pino } from 'pino';
import { loadConfig, type Plugin, type RequestContext } from '@tollgate/core';
import { buildGateway, createTollgateServer, PLUGIN_CONFIG_HINTS, type TollgateServer } from '@tollgate/server';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { COST_CONFIG_KEYS, type CostRecord, type CostRecordReader } from '@tollgate/plugin-cost';

/**
 * The plugin as a user runs it: installed next to a config file (a project directory whose
 * node_modules holds this package, built), loaded by the reference server by package name or
 * because the config uses LiteLLM's price keys, and called with the official openai SDK.
 */
const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const silent = pino({ level: 'silent' });

interface Seen {
  ctx: RequestContext;
  record: CostRecord | null;
}

/** What a spend-log plugin does: resolve the reader once the gateway is ready, read each request's record. */
function spendLog(seen: Seen[]): Plugin {
  return {
    name: 'spend-log',
    apply(g) {
      let read: CostRecordReader = () => null;
      g.hooks.ready.tap('spend-log', () => { read = g.container.resolve<CostRecordReader>(Symbol.for('@tollgate/plugin-cost.records')); });
      g.hooks.account.tap('spend-log', (ctx) => { seen.push({ ctx, record: read(ctx) }); });
    },
  };
}

interface Project {
  url: string;
  seen: Seen[];
  client: OpenAI;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];

/** A directory with the config, files next to it and this package installed; the server started on it. */
async function project(config: string, files: Record<string, string> = {}): Promise<Project> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cost-'));
  await mkdir(path.join(dir, 'node_modules', '@tollgate'), { recursive: true });
  await symlink(PACKAGE_DIR, path.join(dir, 'node_modules', '@tollgate', 'plugin-cost'), 'dir');
  await writeFile(path.join(dir, 'config.yaml'), config);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const loaded = await loadConfig(path.join(dir, 'config.yaml'));
  const seen: Seen[] = [];
  loaded.config.plugins.push(spendLog(seen) as never);
  let app: TollgateServer | null = null;
  const close = async (): Promise<void> => {
    await app?.close(2000);
    await rm(dir, { recursive: true, force: true });
  };
  cleanups.push(close);
  const gateway = await buildGateway(loaded, { logger: silent });
  app = createTollgateServer(gateway, { requestLog: false });
  const { port } = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return { url, seen, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-1234', maxRetries: 0 }), close };
}

let upstream: MockOpenAIServer;
beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: 'sk-upstream' });
});
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  await upstream.close();
});

const hi = [{ role: 'user' as const, content: 'Say hi' }];

describe('an unchanged LiteLLM config with price keys', () => {
  let p: Project;
  beforeAll(async () => {
    // No `plugins:`: the price keys make the reference server load the installed plugin.
    p = await project(`
model_list:
  - model_name: house-chat
    litellm_params:
      model: openai/house-chat-v2
      api_base: ${upstream.url}/v1
      api_key: sk-upstream
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
  - model_name: eu-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${upstream.url}/v1
      api_key: sk-upstream
    model_info:
      base_model: azure/eu/gpt-4o-2024-08-06
      output_cost_per_token: 0.00002
  - model_name: slow
    litellm_params:
      model: mock/gpt-4o
      mock_response: alpha beta gamma delta epsilon
      mock_stream_chunks: 5
      mock_chunk_delay_ms: 30
general_settings:
  master_key: sk-1234
litellm_settings:
  drop_params: true
`);
  });

  it('answers with both cost headers, priced with the litellm_params overrides (which never reach the upstream)', async () => {
    const { data, response } = await p.client.chat.completions.create({ model: 'house-chat', messages: hi }).withResponse();
    const { prompt_tokens: prompt, completion_tokens: completion } = data.usage!;
    expect(prompt).toBeGreaterThan(0);
    expect(completion).toBeGreaterThan(0);
    const expected = Number((prompt * 1e-6 + completion * 2e-6).toPrecision(12));
    expect(Number(response.headers.get('x-tollgate-cost'))).toBe(expected);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBe(expected);
    expect(response.headers.get('x-tollgate-cost')).toMatch(/^0\.\d+$/); // a plain decimal, never an exponent
    expect(upstream.requests.at(-1)!.body).not.toHaveProperty('input_cost_per_token');
  });

  it('prices a deployment by its model_info base_model, with one rate overridden', async () => {
    const { data, response } = await p.client.chat.completions.create({ model: 'eu-mini', messages: hi }).withResponse();
    // azure eu/gpt-4o-2024-08-06 input 2.75e-6; output overridden to 2e-5
    const expected = Number((data.usage!.prompt_tokens * 2.75e-6 + data.usage!.completion_tokens * 2e-5).toPrecision(12));
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBe(expected);
    await expect.poll(() => p.seen.find((s) => s.ctx.requestedModel === 'eu-mini')?.record?.price_key).toBe('azure/eu/gpt-4o-2024-08-06');
  });

  it('records a streamed answer at its end from the usage the core asked for, though the client did not', async () => {
    const stream = await p.client.chat.completions.create({ model: 'house-chat', stream: true, messages: [{ role: 'user', content: 'count one two three' }] });
    let text = '';
    let usageChunks = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usageChunks++;
    }
    expect(text).toBe('echo: count one two three');
    expect(usageChunks).toBe(0);
    await expect.poll(() => p.seen.find((s) => s.ctx.stream && s.ctx.outcome === 'ok')).toBeDefined();
    const { ctx, record } = p.seen.find((s) => s.ctx.stream && s.ctx.outcome === 'ok')!;
    expect(record!.usage_estimated).toBe(false);
    expect(record!.input_tokens).toBeGreaterThan(0);
    expect(record!.cost).toBe(Number((record!.input_tokens * 1e-6 + record!.output_tokens * 2e-6).toPrecision(12)));
    expect(ctx.cost).toBe(record!.cost);
  });

  it('estimates a stream the SDK client walked away from, and says so', async () => {
    const stream = await p.client.chat.completions.create({ model: 'slow', stream: true, messages: hi });
    for await (const c of stream) if (c.choices[0]?.delta.content) break;
    await expect.poll(() => p.seen.find((s) => s.ctx.requestedModel === 'slow')).toBeDefined();
    const { ctx, record } = p.seen.find((s) => s.ctx.requestedModel === 'slow')!;
    expect(ctx.outcome).toBe('aborted');
    expect(ctx.usageEstimated).toBe(true);
    // o200k_base: 3 priming + 3 per message + "user" 1 + "Say hi" 2 = 9; one event got through
    expect(record).toMatchObject({ usage_estimated: true, input_tokens: 9, output_tokens: ctx.streamEvents });
    expect(record!.cost).toBeCloseTo(9 * 2.5e-6 + ctx.streamEvents * 1e-5, 12);
  });
});

describe('registered by package name', () => {
  let p: Project;
  beforeAll(async () => {
    p = await project(
      `
plugins:
  - ["@tollgate/plugin-cost", { price_files: ["./prices.json"] }]
model_list:
  - model_name: house
    params: { model: openai/house-model, api_base: ${upstream.url}/v1, api_key: sk-upstream }
  - model_name: mini
    params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}/v1, api_key: sk-upstream }
settings:
  master_key: sk-1234
`,
      // A price file in LiteLLM's format, next to the config (its path is relative to it).
      { 'prices.json': JSON.stringify({ 'house-model': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 4e-6, output_cost_per_token: 8e-6 } }) },
    );
  });

  it('prices a model from a price file found beside the config', async () => {
    const { data, response } = await p.client.chat.completions.create({ model: 'house', messages: hi }).withResponse();
    const expected = Number((data.usage!.prompt_tokens * 4e-6 + data.usage!.completion_tokens * 8e-6).toPrecision(12));
    expect(Number(response.headers.get('x-tollgate-cost'))).toBe(expected);
  });

  it('leaves the bytes of a stream and of an answer as the upstream sent them (ids and times aside)', async () => {
    const same = (text: string) => text.replace(/"id":"[^"]*"/g, '"id":""').replace(/"created":\d+/g, '"created":0');
    const body = { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three four five six' }] };
    const post = async (base: string, key: string, b: object) => (await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(b) })).text();
    const direct = await post(upstream.url, 'sk-upstream', body);
    const through = await post(p.url, 'sk-1234', { ...body, model: 'mini' });
    expect(direct.split('\n\n').length).toBeGreaterThan(5);
    expect(same(through)).toBe(same(direct));
    const answer = { ...body, stream: false, stream_options: undefined };
    expect(same(await post(p.url, 'sk-1234', { ...answer, model: 'mini' }))).toBe(same(await post(upstream.url, 'sk-upstream', answer)));
  });
});

describe('start-up', () => {
  it('fails with the path of a bad price override in a LiteLLM config', async () => {
    const err = await project(`
model_list:
  - model_name: m
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/v1, api_key: sk-upstream, output_cost_per_token: "$2 per million" }
`).catch((e: Error) => e);
    expect(String(err)).toContain('model_list[0].litellm_params.output_cost_per_token: must be a non-negative number (USD)');
  });
});

describe('the reference server knows the plugin by its keys', () => {
  it('every price key the server hints at is one the plugin declares, under params and model_info', () => {
    const hinted = Object.entries(PLUGIN_CONFIG_HINTS).filter(([, pkg]) => pkg === '@tollgate/plugin-cost').map(([key]) => key);
    expect(hinted.length).toBeGreaterThan(10);
    for (const key of hinted) {
      const [area, name] = key.split('.') as ['params' | 'model_info', string];
      expect(Object.keys((area === 'params' ? COST_CONFIG_KEYS.params : COST_CONFIG_KEYS.modelInfo) ?? {}), key).toContain(name);
    }
  });
});
