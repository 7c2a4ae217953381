import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { createLogger, loadConfig, type Gateway, type LoadedConfig } from '@tollgate/core';
import { Writable } from 'node:stream';
import { buildGateway, createTollgateServer, type TollgateServer } from '@tollgate/server';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The LiteLLM config is loaded unchanged; only the environment it references points at local
// strict mock servers (two Azure regions, one OpenAI-compatible host) instead of the internet.
const CONFIG = fileURLToPath(new URL('../config.yaml', import.meta.url));
const MASTER_KEY = 'sk-litellm-master-1234';
const API_VERSION = '2024-10-21';
const USER = [{ role: 'user' as const, content: 'ping' }];
const SCHEMA = `tg_litellm_${process.pid}_${Date.now().toString(36)}`;
const DATABASE_URL = `postgresql://postgres@127.0.0.1:5432/test?schema=${SCHEMA}`;

let euAzure: MockOpenAIServer;
let usAzure: MockOpenAIServer;
let openaiHost: MockOpenAIServer;
let loaded: LoadedConfig;
let gateway: Gateway;
let app: TollgateServer;
let baseURL: string;
/** Every line the gateway logged while starting. */
const logged: Array<{ level: number; msg: string }> = [];

const client = (apiKey = MASTER_KEY, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ apiKey, baseURL, maxRetries: 0, ...extra });

beforeAll(async () => {
  euAzure = await startMockOpenAI({ flavor: 'azure', apiKey: 'azure-eu-key', azureDeployments: ['gpt-4o-eu'], azureApiVersions: [API_VERSION], replyText: 'from azure eu' });
  usAzure = await startMockOpenAI({ flavor: 'azure', apiKey: 'azure-us-key', azureDeployments: ['gpt-4o-us'], azureApiVersions: [API_VERSION], replyText: 'from azure us' });
  openaiHost = await startMockOpenAI({ apiKey: 'sk-openai-test' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AZURE_EUROPE_API_BASE: euAzure.url,
    AZURE_EUROPE_API_KEY: 'azure-eu-key',
    AZURE_US_API_BASE: usAzure.url,
    AZURE_US_API_KEY: 'azure-us-key',
    OPENAI_API_BASE: `${openaiHost.url}/v1`,
    OPENAI_API_KEY: 'sk-openai-test',
    VLLM_API_BASE: `${openaiHost.url}/v1`,
    VLLM_API_KEY: 'sk-openai-test',
    // The machine's Redis has no password: an empty one sends none.
    REDIS_PASSWORD: '',
    LITELLM_MASTER_KEY: MASTER_KEY,
    // LiteLLM's database_url, with Prisma's ?schema= so this run keeps to a schema of its own.
    DATABASE_URL,
  };
  delete env.REDIS_HOST;
  delete env.REDIS_PORT;
  loaded = await loadConfig(CONFIG, { env });
  const destination = new Writable({ write(line, _enc, done) { logged.push(JSON.parse(String(line))); done(); } });
  gateway = await buildGateway(loaded, { logger: createLogger({ level: 'warn', destination }) });
  app = createTollgateServer(gateway, { requestLog: false });
  const addr = await app.listen(0);
  baseURL = `http://127.0.0.1:${addr.port}/v1`;
});

afterAll(async () => {
  await app?.close(1000);
  await Promise.all([euAzure?.close(), usAzure?.close(), openaiHost?.close()]);
  spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-c', `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`], { stdio: 'ignore' });
});

describe('loading an unchanged LiteLLM config.yaml', () => {
  it('folds litellm_params into params and resolves every os.environ/ reference', () => {
    const list = loaded.config.model_list;
    expect(list.map((m) => [m.model_name, m.params.model])).toEqual([
      ['gpt-4o', 'azure/gpt-4o-eu'],
      ['gpt-4o', 'azure/gpt-4o-us'],
      ['gpt-4o', 'openai/gpt-4o'],
      ['gpt-4o-mini', 'openai/gpt-4o-mini'],
      ['llama-3.1-8b', 'hosted_vllm/meta-llama/Llama-3.1-8B-Instruct'],
      ['text-embedding-3-small', 'openai/text-embedding-3-small'],
    ]);
    expect(list[0]).toEqual({
      model_name: 'gpt-4o',
      params: { model: 'azure/gpt-4o-eu', api_base: euAzure.url, api_key: 'azure-eu-key', api_version: API_VERSION, rpm: 600, tpm: 150000, order: 1 },
      model_info: { id: 'gpt-4o-azure-eu', base_model: 'azure/gpt-4o' },
    });
    expect(list[2].params).toMatchObject({ api_base: `${openaiHost.url}/v1`, api_key: 'sk-openai-test', order: 2, timeout: 300, stream_timeout: 60 });
  });

  it('maps router_settings, litellm_settings and general_settings onto router and settings, keeping every key', () => {
    expect(loaded.config.router).toMatchObject({
      routing_strategy: 'usage-based-routing-v2',
      num_retries: 2,
      timeout: 30,
      fallbacks: [{ 'gpt-4o': ['gpt-4o-mini'] }],
      allowed_fails: 3,
      cooldown_time: 30,
    });
    expect(loaded.config.settings).toMatchObject({
      drop_params: true,
      request_timeout: 600,
      master_key: MASTER_KEY,
      database_url: DATABASE_URL,
      store_model_in_db: false,
    });
    expect(loaded.config.origins['settings.master_key']).toBe('general_settings.master_key');
    expect(loaded.config.plugins).toEqual([]);
  });

  it('loads the plugins its LiteLLM keys call for, installed beside it, and never logs a secret', () => {
    for (const pkg of ['@tollgate/plugin-loadbalance', '@tollgate/state-redis', '@tollgate/plugin-keys', '@tollgate/plugin-cost']) expect(gateway.pluginNames.has(pkg), pkg).toBe(true);
    expect(logged.map((l) => l.msg).filter((m) => m.includes('which is not installed'))).toEqual([]);
    const text = JSON.stringify(logged);
    for (const secret of [MASTER_KEY, 'azure-eu-key', 'sk-openai-test']) expect(text).not.toContain(secret);
  });

  it('warns once, listing every other key Tollgate does not use', () => {
    expect(logged.map((l) => l.msg).filter((m) => m.startsWith('Config keys Tollgate does not use'))).toEqual([
      'Config keys Tollgate does not use (ignored): ' +
        [
          'litellm_settings.set_verbose',
          'litellm_settings.json_logs',
          'litellm_settings.success_callback',
          'litellm_settings.failure_callback',
          'general_settings.alerting',
        ].join(', '),
    ]);
  });
});

describe('serving it to the official openai client', () => {
  it('answers a chat from an order-1 deployment (an Azure region), with the api_version and key of that deployment', async () => {
    const { data, response } = await client().chat.completions.create({ model: 'gpt-4o', messages: USER }).withResponse();
    const id = response.headers.get('x-tollgate-deployment');
    expect(['gpt-4o-azure-eu', 'gpt-4o-azure-us']).toContain(id);
    const eu = id === 'gpt-4o-azure-eu';
    expect(data.choices[0].message.content).toBe(eu ? 'from azure eu' : 'from azure us');
    const upstream = (eu ? euAzure : usAzure).requests.at(-1)!;
    expect(upstream.path).toBe(`/openai/deployments/gpt-4o-${eu ? 'eu' : 'us'}/chat/completions`);
    expect(upstream.query['api-version']).toBe(API_VERSION);
    expect(upstream.headers['api-key']).toBe(eu ? 'azure-eu-key' : 'azure-us-key');
    expect(upstream.headers.authorization).toBeUndefined();
  });

  it('makes a virtual key with LiteLLM\'s /key/generate, limited to one model, and serves it', async () => {
    const made = await fetch(`${baseURL.replace(/\/v1$/, '')}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ models: ['gpt-4o-mini'], key_alias: `litellm-example-${SCHEMA}` }),
    });
    expect(made.status).toBe(200);
    const { key } = (await made.json()) as { key: string };
    expect((await client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: USER })).choices[0].message.content).toBe('echo: ping');
    expect((await client(key).models.list()).data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
    const refused = await client(key).chat.completions.create({ model: 'gpt-4o', messages: USER }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('streams a chat from an OpenAI deployment, without the usage chunk the client did not ask for', async () => {
    const stream = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: USER, stream: true });
    let text = '';
    let usageChunks = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usageChunks++;
    }
    expect(text).toBe('echo: ping');
    expect(finish).toBe('stop');
    expect(usageChunks).toBe(0);
    const upstream = openaiHost.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.headers.authorization).toBe('Bearer sk-openai-test');
    expect(upstream.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
  });

  it('streams from the Azure deployment too', async () => {
    const { data: stream, response } = await client().chat.completions.create({ model: 'gpt-4o', messages: USER, stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    const id = response.headers.get('x-tollgate-deployment');
    expect(['gpt-4o-azure-eu', 'gpt-4o-azure-us']).toContain(id);
    expect(text).toBe(id === 'gpt-4o-azure-eu' ? 'from azure eu' : 'from azure us');
  });

  it('fails over to another deployment of the group when one answers 503', async () => {
    euAzure.setNext({ kind: 'status', status: 503 });
    usAzure.setNext({ kind: 'status', status: 503 });
    const { data, response } = await client().chat.completions.create({ model: 'gpt-4o', messages: USER }).withResponse();
    // Whichever Azure region went first failed, the other one too: the answer came after them.
    expect(Number(response.headers.get('x-tollgate-attempts'))).toBeGreaterThanOrEqual(2);
    expect(data.choices[0].message.content).toMatch(/^from azure (eu|us)$|^echo: ping$/);
  });

  it('drops a param the provider does not support, as litellm_settings.drop_params asks, and says so', async () => {
    const body = { model: 'gpt-4o-mini', messages: USER, top_k: 5 } as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const { data, response } = await client().chat.completions.create(body).withResponse();
    expect(data.choices[0].message.content).toBe('echo: ping');
    expect(response.headers.get('x-tollgate-warnings')).toMatch(/top_k/);
    expect(openaiHost.requests.at(-1)!.body).not.toHaveProperty('top_k');
  });

  it('serves the self-hosted vLLM and the embeddings deployments', async () => {
    const chat = await client().chat.completions.create({ model: 'llama-3.1-8b', messages: USER });
    expect(chat.choices[0].message.content).toBe('echo: ping');
    expect(openaiHost.requests.at(-1)!.body.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
    const emb = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(emb.data).toHaveLength(1);
    expect(emb.data[0].embedding.length).toBeGreaterThan(0);
  });

  it('lists the model groups, one per model_name', async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'llama-3.1-8b', 'text-embedding-3-small']);
  });

  it('refuses a request without the master key, and one with a wrong key, as AuthenticationError', async () => {
    const before = euAzure.requests.length;
    const noKey = client('unused', { defaultHeaders: { authorization: null } });
    const missing = await noKey.chat.completions.create({ model: 'gpt-4o', messages: USER }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.AuthenticationError);
    const wrong = client('sk-not-the-master-key');
    const err = await wrong.chat.completions.create({ model: 'gpt-4o', messages: USER, stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect(euAzure.requests.length).toBe(before);
  });
});

describe('the README quotes what Tollgate prints today', () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const blocks = [...readme.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1].trim());

  it('the missing-variable error, word for word, without REDIS_PASSWORD and AZURE_EUROPE_API_BASE set', () => {
    const cli = fileURLToPath(new URL('../../../packages/server/dist/cli.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, AZURE_EUROPE_API_KEY: 'k', AZURE_US_API_BASE: 'https://us.example.com', AZURE_US_API_KEY: 'k', OPENAI_API_BASE: 'https://api.openai.com/v1', OPENAI_API_KEY: 'sk-x', VLLM_API_BASE: 'http://localhost:8000/v1', VLLM_API_KEY: 'x', LITELLM_MASTER_KEY: 'sk-1234', DATABASE_URL };
    delete env.AZURE_EUROPE_API_BASE;
    delete env.REDIS_PASSWORD;
    const r = spawnSync(process.execPath, [cli, '--config', CONFIG, '--port', '0'], { env, encoding: 'utf8', timeout: 15_000 });
    expect(r.status).toBe(1);
    expect(blocks).toContain(r.stderr.trim().split('\n').filter((l) => !l.startsWith('{')).join('\n'));
  });

  it('the unknown-keys warning, word for word', () => {
    expect(blocks.map((b) => b.replace(/\n/g, ' '))).toContain(logged.map((l) => l.msg).find((w) => w.startsWith('Config keys Tollgate does not use')));
  });
});
