/**
 * The plugin as a user runs it: installed next to a config file (a project directory whose
 * node_modules holds this package, built), loaded by the reference server because the config has
 * guardrails, called with the official openai and Anthropic SDKs. Upstreams are the strict
 * OpenAI and Anthropic mocks, a scripted upstream and a guardrail service, all on 127.0.0.1.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Gateway } from '@tollgate/core';
import { buildGateway, createTollgateServer, type TollgateServer } from '@tollgate/server';
import { startMockAnthropic, startMockOpenAI, type MockAnthropicServer, type MockOpenAIServer } from '@tollgate/testing';
import { completion, startScriptedUpstream, type ScriptedUpstream } from '../../core/test/scripted-upstream.js';
import { startGuardService, type GuardService } from './guard-service.js';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE_DIR = path.resolve(PACKAGE_DIR, '../../examples/guardrail-example');
const silent = pino({ level: 'silent' });
const MASTER = 'sk-master-1234';
const EMAIL = 'jane.doe@example.com';
const AWS = 'AKIAIOSFODNN7EXAMPLE';

interface Project {
  url: string;
  gateway: Gateway;
  openai: OpenAI;
  anthropic: Anthropic;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];

/** A directory with the config and this package installed (and the example guardrail package); the server started on it. */
async function project(config: string): Promise<Project> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-guardrails-'));
  await mkdir(path.join(dir, 'node_modules', '@tollgate'), { recursive: true });
  await symlink(PACKAGE_DIR, path.join(dir, 'node_modules', '@tollgate', 'plugin-guardrails'), 'dir');
  await symlink(EXAMPLE_DIR, path.join(dir, 'node_modules', 'tollgate-guardrail-example'), 'dir');
  await writeFile(path.join(dir, 'config.yaml'), config);
  const gateway = await buildGateway(await loadConfig(path.join(dir, 'config.yaml')), { logger: silent });
  const app: TollgateServer = createTollgateServer(gateway, { requestLog: false });
  const { port } = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    await app.close(2000);
    await rm(dir, { recursive: true, force: true });
  };
  cleanups.push(close);
  return {
    url, gateway, close,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: MASTER, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: url, apiKey: MASTER, maxRetries: 0 }),
  };
}

let openaiUp: MockOpenAIServer;
let anthropicUp: MockAnthropicServer;
let scripted: ScriptedUpstream;
let service: GuardService;
beforeAll(async () => {
  openaiUp = await startMockOpenAI({ apiKey: 'sk-upstream' });
  anthropicUp = await startMockAnthropic({ apiKey: 'sk-ant-upstream' });
  scripted = await startScriptedUpstream();
  service = await startGuardService();
  process.env.GR_TEST_ANTHROPIC_KEY = 'sk-ant-upstream';
});
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  await openaiUp.close();
  await anthropicUp.close();
  await scripted.close();
  await service.close();
  delete process.env.GR_TEST_ANTHROPIC_KEY;
});

const until = async (cond: () => boolean) => { while (!cond()) await new Promise((r) => setTimeout(r, 2)); };

describe('an unchanged LiteLLM config with guardrails', () => {
  let p: Project;
  beforeAll(async () => {
    // No `plugins:`: the guardrails sections make the reference server load the installed plugin.
    p = await project(`
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${openaiUp.url}/v1, api_key: sk-upstream }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: ${anthropicUp.url}, api_key: os.environ/GR_TEST_ANTHROPIC_KEY }
  # Answers with a key it was never given (the input's secrets are masked), streamed in 16 pieces.
  - model_name: leaky
    litellm_params: { model: mock/leaky, mock_response: "Sure. The key you want is ${AWS}, rotate it soon.", mock_stream_chunks: 16 }
  - model_name: slow
    litellm_params: { model: openai/m, api_base: ${scripted.url}/v1, api_key: sk-scripted }

guardrails:
  - guardrail_name: pii-mask
    litellm_params:
      guardrail: litellm_content_filter
      mode: pre_call
      default_on: true
      patterns:
        - { pattern_type: prebuilt, pattern_name: email, action: MASK }
      blocked_words:
        - { keyword: confidential, action: BLOCK, description: Internal only }
  - guardrail_name: no-keys-out
    litellm_params:
      guardrail: litellm_content_filter
      mode: post_call
      default_on: true
      patterns:
        - { pattern_type: prebuilt, pattern_name: aws_access_key, action: BLOCK }
  - guardrail_name: policy-service
    litellm_params:
      guardrail: generic_guardrail_api
      mode: during_call
      api_base: ${service.url}
      unreachable_fallback: fail_closed

litellm_settings:
  guardrails:
    - hide_secrets_guard:
        callbacks: [hide_secrets]
        default_on: true

general_settings:
  master_key: ${MASTER}
`);
  });

  it('loads the plugin because of its guardrails', () => {
    expect(p.gateway.pluginNames.has('@tollgate/plugin-guardrails')).toBe(true);
  });

  it('masks the same on /v1/messages and /v1/chat/completions: the strict Anthropic mock receives the masked text', async () => {
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    await p.anthropic.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: `I am ${EMAIL}, token ${token}` }] });
    const fromAnthropic = JSON.stringify(anthropicUp.requests.at(-1)!.body);
    await p.openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: `I am ${EMAIL}, token ${token}` }] });
    const fromOpenAI = JSON.stringify(anthropicUp.requests.at(-1)!.body);
    for (const sent of [fromAnthropic, fromOpenAI]) {
      expect(sent).toContain('I am [EMAIL_REDACTED], token [GITHUB_TOKEN_1]');
      expect(sent).not.toContain(EMAIL);
      expect(sent).not.toContain(token);
    }
  });

  it('lists the guardrails applied in x-tollgate-guardrails', async () => {
    const { response } = await p.openai.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-tollgate-guardrails')).toBe('pii-mask,no-keys-out,hide_secrets_guard');
  });

  it("a block answers 400 guardrail_violation in OpenAI's envelope, and in Anthropic's on /v1/messages", async () => {
    const res = await request(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
      body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'this is Confidential' }] }),
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toEqual({ error: { message: "Blocked by guardrail 'pii-mask': Content blocked: keyword detected (Internal only)", type: 'guardrail_violation', param: null, code: 'guardrail_violation' } });
    const err = await p.anthropic.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'this is Confidential' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Blocked by guardrail 'pii-mask': Content blocked: keyword detected (Internal only)" } });
  });

  it('a stream blocked mid-way: the openai SDK never receives the key, split across chunks as it was; content_filter, then the error', async () => {
    const got: OpenAI.ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const c of await p.openai.chat.completions.create({ model: 'leaky', stream: true, messages: [{ role: 'user', content: 'the key?' }] })) got.push(c);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain("Blocked by guardrail 'no-keys-out'");
    expect(got.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Sure. The key you want is ');
    expect(got.at(-1)!.choices[0].finish_reason).toBe('content_filter');
    expect(JSON.stringify(got)).not.toMatch(/AKIA|EXAMPLE/);

    // On the wire: the content_filter chunk, then the error event, no [DONE].
    const res = await request(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
      body: JSON.stringify({ model: 'leaky', stream: true, messages: [{ role: 'user', content: 'the key?' }] }),
    });
    const events = (await res.body.text()).split('\n\n').filter(Boolean);
    expect(events.at(-2)).toContain('"finish_reason":"content_filter"');
    expect(JSON.parse(events.at(-1)!.slice('data: '.length))).toEqual({ error: { message: "Blocked by guardrail 'no-keys-out': Content blocked: aws_access_key pattern detected", type: 'guardrail_violation', param: null, code: 'guardrail_violation' } });
  });

  it('a stream blocked mid-way on /v1/messages: the Anthropic client gets stop_reason refusal and the error event, never the key', async () => {
    const res = await request(`${p.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': MASTER, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'leaky', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'the key?' }] }),
    });
    const body = await res.body.text();
    expect(body).not.toMatch(/AKIA|EXAMPLE/);
    expect(body).toContain('"stop_reason":"refusal"');
    expect(body.trim().split('\n\n').at(-1)).toBe(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: "Blocked by guardrail 'no-keys-out': Content blocked: aws_access_key pattern detected" } })}`);
    const stream = p.anthropic.messages.stream({ model: 'leaky', max_tokens: 64, messages: [{ role: 'user', content: 'the key?' }] });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it('a during_call guardrail chosen by the request blocks in flight: the upstream call is cut, the client gets 400', async () => {
    scripted.queue({ headDelay: 10_000, headers: { 'content-type': 'application/json' }, steps: [{ write: completion('too late'), end: true }] });
    const n = scripted.received.length;
    const body = { model: 'slow', messages: [{ role: 'user' as const, content: 'block this one' }], guardrails: ['policy-service'] };
    const err = await p.openai.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ type: 'guardrail_violation', message: "Blocked by guardrail 'policy-service': Policy 7 forbids this." });
    await until(() => scripted.received[n]?.closedEarly === true);
    expect(service.received.at(-1)!.url).toBe('/beta/litellm_basic_guardrail_api');
  });
});

describe('a native config with a third-party guardrail package', () => {
  it('imports the package named as the type from the config directory and runs it', async () => {
    const p = await project(`
model_list:
  - model_name: gpt
    params: { model: openai/gpt-4o-mini, api_base: ${openaiUp.url}/v1, api_key: sk-upstream }
guardrails:
  - name: links
    type: tollgate-guardrail-example
    mode: pre_call
    default_on: true
    options: { allow: [example.com] }
settings:
  master_key: ${MASTER}
`);
    await p.openai.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'see https://docs.example.com/a and https://evil.test/x' }] });
    expect(openaiUp.requests.at(-1)!.body.messages[0].content).toBe('see https://docs.example.com/a and [LINK]');
  });

  it('a type that is neither built in nor installed fails start-up naming the entry', async () => {
    await expect(project(`
model_list:
  - model_name: gpt
    params: { model: openai/gpt-4o-mini, api_base: ${openaiUp.url}/v1, api_key: sk-upstream }
guardrails:
  - { name: g, type: tollgate-guardrail-nowhere }
`)).rejects.toThrow(/guardrails\[0\]\.type: "tollgate-guardrail-nowhere" is neither a built-in guardrail .* nor an installed guardrail package/);
  });
});
