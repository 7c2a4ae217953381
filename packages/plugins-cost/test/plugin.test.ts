import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, Gateway, type ChatCompletion, type ModelEntry, type Plugin, type RequestContext } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import anthropic from '@tollgate/adapter-anthropic';
import gemini from '@tollgate/adapter-gemini';
import cost, { type CostRecord, type CostRecordReader } from '@tollgate/plugin-cost';
import { startMockAnthropic, startMockGemini, type MockAnthropicServer, type MockGeminiServer } from '@tollgate/testing';

/**
 * The plugin on a real gateway. What a spend log would store is read the way another plugin reads
 * it: through the container token, by its Symbol.for name, without importing this package.
 */
interface Seen {
  ctx: RequestContext;
  record: CostRecord | null;
  /** ctx.cost when this tap ran (it runs before the cost plugin's own account tap). */
  costBefore: number | null;
}

function spendLog(seen: Seen[]): Plugin {
  return {
    name: 'spend-log',
    apply(g) {
      const read = g.container.resolve<CostRecordReader>(Symbol.for('@tollgate/plugin-cost.records'));
      // Earlier than the cost plugin's own tap: the reader computes the record on demand.
      g.hooks.account.tap({ name: 'spend-log', stage: -2000 }, (ctx) => {
        const costBefore = ctx.cost;
        seen.push({ ctx, record: read(ctx), costBefore });
      });
    },
  };
}

const opened: Gateway[] = [];
afterEach(async () => {
  for (const g of opened.splice(0)) await g.close();
});

async function gatewayWith(model_list: ModelEntry[], extra: Plugin[] = []): Promise<{ gateway: Gateway; seen: Seen[] }> {
  const seen: Seen[] = [];
  const gateway = new Gateway({ config: { model_list }, logger: createLogger({ level: 'silent' }) });
  for (const p of [mock, anthropic, gemini, cost, ...extra, spendLog(seen)]) await gateway.use(p);
  await gateway.start();
  opened.push(gateway);
  return { gateway, seen };
}

const ask = [{ role: 'user' as const, content: 'Say hello.' }];

describe('complete answers', () => {
  it('prices a non-streamed answer from its usage, on ctx.cost, in the record and in both headers', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'mini', params: { model: 'mock/gpt-4o-mini', mock_response: 'Hello!', mock_usage: { prompt_tokens: 1000, completion_tokens: 200 } } },
    ]);
    await gateway.chat({ model: 'mini', messages: ask });
    await gateway.close();
    const { ctx, record, costBefore } = seen[0]!;
    // gpt-4o-mini: input 1.5e-7, output 6e-7 -> 0.00015 + 0.00012
    expect(record).toMatchObject({ cost: 0.00027, usage_estimated: false, input_tokens: 1000, output_tokens: 200, price_key: 'openai/gpt-4o-mini' });
    expect(costBefore).toBe(0.00027); // set when the answer was complete, before any account tap
    expect(ctx.usageEstimated).toBe(false);
    expect(ctx.responseHeaders).toMatchObject({ 'x-tollgate-cost': '0.00027', 'x-litellm-response-cost': '0.00027' });
  });

  it('keeps a same-format answer as received: the header tap marks its changes', async () => {
    const { gateway, seen } = await gatewayWith([{ model_name: 'mini', params: { model: 'mock/gpt-4o-mini' } }]);
    await gateway.chat({ model: 'mini', messages: ask });
    await gateway.close();
    expect(seen[0]!.ctx.rawResponseText).toMatch(/^\{"id":"chatcmpl-mock-/);
    expect(seen[0]!.ctx.responseChanged).toBe(false);
  });

  it('prices embeddings by their input tokens', async () => {
    const { gateway, seen } = await gatewayWith([{ model_name: 'emb', params: { model: 'mock/text-embedding-3-small' } }]);
    const res = await gateway.embeddings({ model: 'emb', input: ['hello world', 'tiktoken is great!'] });
    await gateway.close();
    const n = res.usage.prompt_tokens;
    expect(n).toBeGreaterThan(0);
    // text-embedding-3-small: 2e-8 per token
    expect(seen[0]!.record).toMatchObject({ usage_estimated: false, input_tokens: n, output_tokens: 0 });
    expect(seen[0]!.record!.cost).toBeCloseTo(n * 2e-8, 14);
  });

  it('prices a rerank by the search units its response reports', async () => {
    const { gateway, seen } = await gatewayWith([{ model_name: 'rr', params: { model: 'mock/rerank-v3.5' } }]);
    await gateway.rerank({ model: 'rr', query: 'capital of France', documents: ['Paris is the capital of France.', 'Berlin is in Germany.'] });
    await gateway.close();
    // rerank-v3.5 (Cohere's table): 0.002 per search unit; the mock bills 1
    expect(seen[0]!.record).toMatchObject({ search_units: 1, cost: 0.002, usage_estimated: false, price_key: 'cohere/rerank-v3.5' });
    expect(seen[0]!.ctx.responseHeaders['x-litellm-response-cost']).toBe('0.002');
  });

  it('charges a cache hit nothing, says so in the headers, and keeps the cost it saved', async () => {
    const cached: ChatCompletion = {
      id: 'chatcmpl-cached', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 },
    };
    const cache: Plugin = { name: 'cache', apply(g) { g.hooks.preRoute.tap({ name: 'cache', marksChanges: true }, () => ({ respond: cached, reason: 'cache_hit' })); } };
    const { gateway, seen } = await gatewayWith([{ model_name: 'mini', params: { model: 'mock/gpt-4o-mini' } }], [cache]);
    await gateway.chat({ model: 'mini', messages: ask });
    await gateway.close();
    const { ctx, record } = seen[0]!;
    expect(ctx.outcome).toBe('cache_hit');
    expect(record).toMatchObject({ cost: 0, cache_hit: true, saved_cost: 0.00027, price_key: 'openai/gpt-4o-mini' });
    expect(ctx.cost).toBe(0);
    expect(ctx.responseHeaders).toMatchObject({ 'x-tollgate-cost': '0.0', 'x-litellm-response-cost': '0.0' });
  });

  it('charges nothing for an upstream error before any content, and estimates nothing', async () => {
    const { gateway, seen } = await gatewayWith([{ model_name: 'down', params: { model: 'mock/gpt-4o', mock_fault: { status: 500 } } }]);
    await expect(gateway.chat({ model: 'down', messages: ask })).rejects.toMatchObject({ status: 500 });
    await expect(async () => { for await (const _ of await gateway.chat({ model: 'down', messages: ask, stream: true })) void _; }).rejects.toMatchObject({ status: 500 });
    await gateway.close();
    expect(seen.map((s) => [s.ctx.outcome, s.record?.cost, s.record?.usage_estimated, s.ctx.usageEstimated])).toEqual([['error', 0, false, false], ['error', 0, false, false]]);
  });
});

describe('streams', () => {
  it('prices a streamed answer from its final usage, recorded at account time', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'mini', params: { model: 'mock/gpt-4o-mini', mock_response: 'one two three', mock_stream_chunks: 3, mock_usage: { prompt_tokens: 50, completion_tokens: 30 } } },
    ]);
    for await (const _ of await gateway.chat({ model: 'mini', messages: ask, stream: true })) void _;
    await gateway.close();
    const { ctx, record } = seen[0]!;
    expect(ctx.outcome).toBe('ok');
    // 50 x 1.5e-7 + 30 x 6e-7
    expect(record).toMatchObject({ usage_estimated: false, input_tokens: 50, output_tokens: 30, cost: 0.0000255 });
    expect(ctx.cost).toBe(0.0000255);
    expect(ctx.responseHeaders['x-tollgate-cost']).toBeUndefined(); // headers left before the cost was known
  });

  it('estimates an aborted stream: prompt counted with the tokenizer, one output token per upstream event', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'slow', params: { model: 'mock/gpt-4o', mock_response: 'alpha beta gamma delta', mock_stream_chunks: 4, mock_chunk_delay_ms: 20 } },
    ]);
    for await (const c of await gateway.chat({ model: 'slow', messages: ask, stream: true })) {
      if (c.choices[0]?.delta.content) break;
    }
    await gateway.close();
    const { ctx, record } = seen[0]!;
    expect(ctx.outcome).toBe('aborted');
    expect(ctx.streamEvents).toBe(1); // "alpha " arrived, then the client left
    // o200k_base: 3 priming + 3 per message + "user" 1 + "Say hello." 3 = 10 input; gpt-4o input 2.5e-6, output 1e-5
    expect(record).toMatchObject({ usage_estimated: true, input_tokens: 10, output_tokens: 1, cost: 0.000035 });
    expect(ctx.usageEstimated).toBe(true);
    expect(ctx.usage).toEqual({ prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 });
  });

  it('estimates a stream cut by the upstream from the events that got through', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'cut', params: { model: 'mock/gpt-4o', mock_response: 'alpha beta gamma delta', mock_stream_chunks: 4, mock_fault: { cut_after_chunks: 3 } } },
    ]);
    const got: string[] = [];
    await expect(async () => {
      for await (const c of await gateway.chat({ model: 'cut', messages: ask, stream: true })) got.push(c.choices[0]?.delta.content ?? '');
    }).rejects.toThrow();
    await gateway.close();
    expect(got.join('')).toBe('alpha beta g');
    expect(seen[0]!.ctx.outcome).toBe('error');
    expect(seen[0]!.record).toMatchObject({ usage_estimated: true, input_tokens: 10, output_tokens: 2, cost: 0.000045 });
  });

  it('adds no per-chunk work: no chunk tap, no watcher, and a stream beside an aborted one keeps its own usage', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'slow', params: { model: 'mock/gpt-4o-mini', mock_response: 'alpha beta gamma delta', mock_stream_chunks: 4, mock_chunk_delay_ms: 10, mock_usage: { prompt_tokens: 40, completion_tokens: 8 } } },
    ]);
    expect(gateway.hooks.transformChunk.isUsed()).toBe(false);
    const whole = (async () => {
      let text = '';
      for await (const c of await gateway.chat({ model: 'slow', messages: ask, stream: true })) text += c.choices[0]?.delta.content ?? '';
      return text;
    })();
    for await (const c of await gateway.chat({ model: 'slow', messages: ask, stream: true })) if (c.choices[0]?.delta.content) break;
    expect(await whole).toBe('alpha beta gamma delta');
    await gateway.close();
    const byOutcome = Object.fromEntries(seen.map((s) => [s.ctx.outcome, s]));
    expect(byOutcome.ok!.ctx.chunkWatchers).toBeNull();
    // 40 x 1.5e-7 + 8 x 6e-7, from the upstream's own usage chunk
    expect(byOutcome.ok!.record).toMatchObject({ usage_estimated: false, input_tokens: 40, output_tokens: 8, cost: 0.0000108 });
    expect(byOutcome.aborted!.record!.usage_estimated).toBe(true);
  });
});

describe('cached and reasoning tokens, from the strict provider mocks', () => {
  let anthropicUp: MockAnthropicServer;
  let geminiUp: MockGeminiServer;
  beforeAll(async () => {
    anthropicUp = await startMockAnthropic();
    geminiUp = await startMockGemini();
  });
  afterAll(async () => {
    await anthropicUp.close();
    await geminiUp.close();
  });

  it('charges Anthropic cache writes, then cache reads, at their own rates', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'claude', params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUp.url, api_key: 'test-key' } },
    ]);
    const messages = [
      { role: 'system' as const, content: [{ type: 'text' as const, text: 'Reference manual. '.repeat(80), cache_control: { type: 'ephemeral' } }] },
      { role: 'user' as const, content: 'hello' },
    ];
    const first = await gateway.chat({ model: 'claude', messages });
    const second = await gateway.chat({ model: 'claude', messages });
    await gateway.close();
    const written = first.usage!.prompt_tokens_details!.cache_creation_tokens!;
    const read = second.usage!.prompt_tokens_details!.cached_tokens!;
    expect(written).toBeGreaterThan(0);
    expect(read).toBe(written);
    const plain = first.usage!.prompt_tokens - written;
    const out = first.usage!.completion_tokens;
    // claude-sonnet-4-5: input 3e-6, 5-minute cache write 3.75e-6, cache read 3e-7, output 1.5e-5
    expect(seen[0]!.record!.cost).toBeCloseTo(plain * 3e-6 + written * 3.75e-6 + out * 1.5e-5, 12);
    expect(seen[1]!.record!.cost).toBeCloseTo(plain * 3e-6 + read * 3e-7 + out * 1.5e-5, 12);
    expect(seen[1]!.record).toMatchObject({ cached_tokens: read, cache_write_tokens: 0, breakdown: { cache_write: 0 } });
  });

  it('charges Gemini thinking tokens as reasoning, inside completion_tokens, once', async () => {
    const { gateway, seen } = await gatewayWith([
      { model_name: 'flash', params: { model: 'gemini/gemini-2.5-flash', api_base: geminiUp.url, api_key: 'gemini-test-key' } },
    ]);
    const res = await gateway.chat({ model: 'flash', reasoning_effort: 'low', messages: [{ role: 'user', content: 'why?' }] });
    await gateway.close();
    const thought = res.usage!.completion_tokens_details!.reasoning_tokens!;
    expect(thought).toBeGreaterThan(0);
    const { prompt_tokens: prompt, completion_tokens: completion } = res.usage!;
    // gemini-2.5-flash: input 3e-7, output and reasoning 2.5e-6
    expect(seen[0]!.record).toMatchObject({ reasoning_tokens: thought, output_tokens: completion });
    expect(seen[0]!.record!.breakdown.reasoning).toBeCloseTo(thought * 2.5e-6, 14);
    expect(seen[0]!.record!.cost).toBeCloseTo(prompt * 3e-7 + completion * 2.5e-6, 12);
  });
});

describe('start-up', () => {
  it('fails on a price override that is not a number, naming its path', async () => {
    const gateway = new Gateway({ config: { model_list: [{ model_name: 'm', params: { model: 'mock/gpt-4o', input_cost_per_token: 'cheap' }, model_info: { output_cost_per_token: -1 } }] }, logger: createLogger({ level: 'silent' }) });
    await gateway.use(mock);
    await gateway.use(cost);
    const err = await gateway.start().catch((e: Error) => e);
    expect(String(err)).toContain('model_list[0].params.input_cost_per_token: must be a non-negative number (USD)');
    expect(String(err)).toContain('model_list[0].model_info.output_cost_per_token: must be a non-negative number (USD)');
  });

  it('accepts every LiteLLM price key it applies, and prices with them', async () => {
    const { gateway, seen } = await gatewayWith([
      {
        model_name: 'house',
        params: { model: 'mock/house-model', mock_usage: { prompt_tokens: 1000, completion_tokens: 100 }, input_cost_per_token: '1e-6', output_cost_per_token_priority: 9e-6 },
        model_info: { output_cost_per_token: 2e-6, cache_read_input_token_cost: 1e-7, input_cost_per_token_above_200k_tokens: 2e-6 },
      },
    ]);
    await gateway.chat({ model: 'house', messages: ask });
    await gateway.close();
    expect(seen[0]!.record).toMatchObject({ cost: 0.0012, price_key: 'mock/house-model' });
  });

  it('warns once about deployments nothing prices, naming their paths', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'silent' });
    logger.warn = ((msg: unknown) => { lines.push(String(msg)); }) as typeof logger.warn;
    const gateway = new Gateway({
      config: {
        model_list: [
          { model_name: 'x', params: { model: 'mock/house-model' } },
          { model_name: 'y', params: { model: 'mock/other' }, model_info: { base_model: 'azure/gpt-4oo' } },
          { model_name: 'z', params: { model: 'mock/gpt-4o' } },
        ],
      },
      logger,
    });
    await gateway.use(mock);
    await gateway.use(cost);
    await gateway.start();
    await gateway.close();
    const warning = lines.filter((l) => l.includes('@tollgate/plugin-cost'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain('model_list[0].params.model "mock/house-model", model_list[1].model_info.base_model "azure/gpt-4oo"');
    expect(warning[0]).not.toContain('model_list[2]');
  });
});
