import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAIServer } from '../../testing/src/openai-mock.js';
import { startServer, type Running } from './helpers.js';

const MASTER = 'sk-master-legacy';
const LLAMA = 'meta-llama/Meta-Llama-3-8B';

let openai: MockOpenAIServer;
let together: MockOpenAIServer;
let azure: MockOpenAIServer;
let tg: Running;
let client: OpenAI;

beforeAll(async () => {
  openai = await startMockOpenAI();
  together = await startMockOpenAI({ apiKey: 'together-key', completionModels: [LLAMA] });
  azure = await startMockOpenAI({ flavor: 'azure', apiKey: 'azure-key', azureDeployments: ['instruct'] });
  tg = await startServer({
    model_list: [
      { model_name: 'instruct', litellm_params: { model: 'openai/gpt-3.5-turbo-instruct', api_base: `${openai.url}/v1`, api_key: 'sk-test' } },
      { model_name: 'chat-only', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${openai.url}/v1`, api_key: 'sk-test' } },
      { model_name: 'llama-base', litellm_params: { model: `together_ai/${LLAMA}`, api_base: `${together.url}/v1`, api_key: 'together-key' } },
      { model_name: 'azure-instruct', litellm_params: { model: 'azure/instruct', api_base: azure.url, api_key: 'azure-key', api_version: '2024-10-21' } },
      { model_name: 'omni-moderation-latest', litellm_params: { model: 'openai/omni-moderation-latest', api_base: `${openai.url}/v1`, api_key: 'sk-test' } },
      { model_name: 'text-moderation-latest', litellm_params: { model: 'openai/text-moderation-latest', api_base: `${openai.url}/v1`, api_key: 'sk-test' } },
    ],
    general_settings: { master_key: MASTER },
  });
  client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: MASTER, maxRetries: 0 });
});
afterAll(async () => {
  await tg.close();
  await Promise.all([openai.close(), together.close(), azure.close()]);
});

async function collect(stream: AsyncIterable<OpenAI.Completion>): Promise<OpenAI.Completion[]> {
  const out: OpenAI.Completion[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('client.completions.create through Tollgate', () => {
  const targets = [
    ['OpenAI', 'instruct', 'gpt-3.5-turbo-instruct', () => openai],
    ['Together AI (hosts table)', 'llama-base', LLAMA, () => together],
    ['Azure OpenAI', 'azure-instruct', 'instruct', () => azure],
  ] as const;
  for (const [label, model, upstreamModel, upstream] of targets) {
    it(`${label}: a whole completion with usage; the upstream gets the real model and the client's params`, async () => {
      const r = await client.completions.create({ model, prompt: 'Say this is a test', max_tokens: 20, temperature: 0, stop: ['\n'] });
      expect(r).toMatchObject({ object: 'text_completion', choices: [{ index: 0, text: 'echo: Say this is a test', finish_reason: 'stop', logprobs: null }] });
      expect(r.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
      const sent = upstream().requests.at(-1)!;
      expect(sent.body).toEqual({ model: upstreamModel, prompt: 'Say this is a test', max_tokens: 20, temperature: 0, stop: ['\n'] });
    });

    it(`${label}: streamed, the usage event reaches the client only when it asks`, async () => {
      const plain = await collect(await client.completions.create({ model, prompt: 'one two three four five', stream: true }));
      expect(plain.map((c) => c.choices[0]?.text ?? '').join('')).toBe('echo: one two three four five');
      expect(plain.at(-1)?.choices[0]?.finish_reason).toBe('stop');
      expect(plain.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);
      // Tollgate asks upstream for usage either way, for its own accounting.
      expect(upstream().requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
      const counted = await collect(await client.completions.create({ model, prompt: 'one two three four five', stream: true, stream_options: { include_usage: true } }));
      expect(counted.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 6, completion_tokens: 8, total_tokens: 14 } });
      expect(counted.slice(0, -1).every((c) => !c.usage)).toBe(true);
    });
  }

  it('several prompts and n: choices indexed prompt by prompt, streamed and not', async () => {
    const r = await client.completions.create({ model: 'instruct', prompt: ['a', 'b'], n: 2 });
    expect(r.choices.map((c) => [c.index, c.text])).toEqual([[0, 'echo: a'], [1, 'echo: a'], [2, 'echo: b'], [3, 'echo: b']]);
    const chunks = await collect(await client.completions.create({ model: 'instruct', prompt: ['a', 'b'], stream: true }));
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].index)).toEqual([0, 1]);
  });

  it('errors come back in OpenAI\'s envelope as the SDK\'s classes: a chat model, a bad param, no key', async () => {
    await expect(client.completions.create({ model: 'chat-only', prompt: 'x' })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('This is a chat model') });
    await expect(client.completions.create({ model: 'instruct', prompt: 'x', logprobs: 9 })).rejects.toMatchObject({ status: 400, error: { param: 'logprobs' } });
    await expect(client.completions.create({ model: 'instruct', prompt: 'x', stream_options: { include_usage: true } })).rejects.toMatchObject({ status: 400, error: { param: 'stream_options' } });
    const anonymous = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: 'sk-not-a-key', maxRetries: 0 });
    await expect(anonymous.completions.create({ model: 'instruct', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('client.moderations.create through Tollgate', () => {
  it('with no model, OpenAI\'s default model group answers; one result per input string', async () => {
    const r = await client.moderations.create({ input: ['a calm sentence', 'I will kill it'] });
    expect(r).toMatchObject({ id: expect.stringMatching(/^modr-/), model: 'omni-moderation-latest' });
    expect(r.results.map((x) => x.flagged)).toEqual([false, true]);
    expect(r.results[1].categories.violence).toBe(true);
    expect(openai.requests.at(-1)!.body).toEqual({ input: ['a calm sentence', 'I will kill it'], model: 'omni-moderation-latest' });
  });

  it('text and image parts in one input; the model named explicitly', async () => {
    const r = await client.moderations.create({ model: 'omni-moderation-latest', input: [{ type: 'text', text: 'look at this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] });
    expect(r.results).toHaveLength(1);
    expect(r.results[0].category_applied_input_types.violence).toEqual(['text', 'image']);
  });

  it('refusals: the retired text-moderation model, an unknown group, a malformed input', async () => {
    await expect(client.moderations.create({ model: 'text-moderation-latest', input: 'x' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('please request omni-moderation-latest') });
    await expect(client.moderations.create({ model: 'nope', input: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.moderations.create({ input: [{ type: 'audio' }] as never })).rejects.toMatchObject({ status: 400, error: { param: expect.stringContaining('input') } });
  });
});
