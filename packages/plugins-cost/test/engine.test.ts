import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, Gateway, type ChatCompletionChunk, type ModelEntry, type Plugin, type RequestContext } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import { CostEngine, costHeaders, type CostRecord } from '@tollgate/plugin-cost';

/**
 * The engine behind a real gateway (mock provider, in-process), fed from the request context the
 * way the `account` hook will feed it: deployment, operation, usage, request, streamed text.
 */
interface Recorded {
  outcome: string;
  record: CostRecord;
}

async function gatewayWith(model_list: ModelEntry[]): Promise<{ gateway: Gateway; records: Recorded[] }> {
  const engine = new CostEngine();
  const records: Recorded[] = [];
  const streamed = new Map<string, string[]>();
  const costPlugin: Plugin = {
    name: 'cost-under-test',
    apply(g) {
      g.hooks.transformChunk.tap('cost-under-test', (chunk: ChatCompletionChunk | null, ctx: RequestContext) => {
        const text = chunk?.choices[0]?.delta.content;
        if (text) (streamed.get(ctx.id) ?? streamed.set(ctx.id, []).get(ctx.id)!).push(text);
        return chunk;
      });
      g.hooks.account.tapPromise('cost-under-test', async (ctx: RequestContext) => {
        if (!ctx.deployment) return;
        const record = engine.record({
          deployment: ctx.deployment,
          operation: ctx.operation,
          usage: ctx.usage,
          request: ctx.request,
          outputText: streamed.get(ctx.id)?.join('') ?? '',
          durationMs: ctx.elapsed(),
        });
        streamed.delete(ctx.id);
        records.push({ outcome: ctx.outcome, record });
      });
    },
  };
  const gateway = new Gateway({ config: { model_list }, logger: createLogger({ level: 'silent' }) });
  await gateway.use(mock);
  await gateway.use(costPlugin);
  await gateway.start();
  opened.push(gateway);
  return { gateway, records };
}

const opened: Gateway[] = [];
afterEach(async () => {
  for (const g of opened.splice(0)) await g.close();
});

const ask = [{ role: 'user' as const, content: 'Say hello.' }];

describe('CostEngine on a gateway', () => {
  it('prices a non-streamed answer from the reported usage (mock/gpt-4o-mini at gpt-4o-mini rates)', async () => {
    const { gateway, records } = await gatewayWith([
      { model_name: 'mini', params: { model: 'mock/gpt-4o-mini', mock_response: 'Hello!', mock_usage: { prompt_tokens: 1000, completion_tokens: 200 } } },
    ]);
    await gateway.chat({ model: 'mini', messages: ask });
    await gateway.close();
    // gpt-4o-mini: input 1.5e-7, output 6e-7
    expect(records).toHaveLength(1);
    const { outcome, record } = records[0]!;
    expect(outcome).toBe('ok');
    expect(record).toMatchObject({ usage_estimated: false, input_tokens: 1000, output_tokens: 200, cached_tokens: 0, price_key: 'openai/gpt-4o-mini' });
    expect(record.cost).toBeCloseTo(1000 * 1.5e-7 + 200 * 6e-7, 12);
    expect(costHeaders(record.cost)).toEqual({ 'x-tollgate-cost': '0.00027', 'x-litellm-response-cost': '0.00027' });
  });

  it('prices a streamed answer from its final usage chunk', async () => {
    const { gateway, records } = await gatewayWith([
      { model_name: 'mini', params: { model: 'mock/gpt-4o-mini', mock_response: 'one two three', mock_stream_chunks: 3, mock_usage: { prompt_tokens: 50, completion_tokens: 30 } } },
    ]);
    for await (const _ of await gateway.chat({ model: 'mini', messages: ask, stream: true })) void _;
    await gateway.close();
    expect(records[0]!.record).toMatchObject({ usage_estimated: false, input_tokens: 50, output_tokens: 30 });
    expect(records[0]!.record.cost).toBeCloseTo(50 * 1.5e-7 + 30 * 6e-7, 12);
  });

  it('estimates a cut stream from the request and the text that got through, and says so', async () => {
    const { gateway, records } = await gatewayWith([
      // events: role chunk, "alpha ", "beta g", then the connection drops
      { model_name: 'cut', params: { model: 'mock/gpt-4o', mock_response: 'alpha beta gamma delta', mock_stream_chunks: 4, mock_fault: { cut_after_chunks: 3 } } },
    ]);
    const got: string[] = [];
    await expect(async () => {
      for await (const c of await gateway.chat({ model: 'cut', messages: ask, stream: true })) got.push(c.choices[0]?.delta.content ?? '');
    }).rejects.toThrow();
    await gateway.close();
    const { outcome, record } = records[0]!;
    expect(outcome).toBe('error');
    // o200k_base: "Say hello." = 3 tokens -> 3 priming + 3 + 1 (role) + 3; the streamed text counted as output
    expect(record).toMatchObject({ usage_estimated: true, input_tokens: 10, price_key: 'openai/gpt-4o' });
    expect(got.join('')).toBe('alpha beta g');
    expect(record.output_tokens).toBe(3); // "alpha beta g" in o200k_base
    // gpt-4o: input 2.5e-6, output 1e-5
    expect(record.cost).toBeCloseTo(10 * 2.5e-6 + 3 * 1e-5, 12);
  });

  it('estimates a stream the client walked away from', async () => {
    const { gateway, records } = await gatewayWith([
      { model_name: 'slow', params: { model: 'mock/gpt-4o', mock_response: 'alpha beta gamma delta', mock_stream_chunks: 4, mock_chunk_delay_ms: 20 } },
    ]);
    for await (const c of await gateway.chat({ model: 'slow', messages: ask, stream: true })) {
      if (c.choices[0]?.delta.content) break;
    }
    await gateway.close();
    expect(records[0]!.outcome).toBe('aborted');
    expect(records[0]!.record).toMatchObject({ usage_estimated: true, input_tokens: 10 });
  });

  it('applies a deployment base_model and params price overrides', async () => {
    const { gateway, records } = await gatewayWith([
      {
        model_name: 'prod',
        params: { model: 'mock/prod-chat-eu', mock_usage: { prompt_tokens: 1000, completion_tokens: 100 }, output_cost_per_token: 2e-5 },
        model_info: { base_model: 'azure/eu/gpt-4o-2024-08-06' },
      },
    ]);
    await gateway.chat({ model: 'prod', messages: ask });
    await gateway.close();
    // azure eu/gpt-4o-2024-08-06 input 2.75e-6; output overridden to 2e-5
    expect(records[0]!.record.price_key).toBe('azure/eu/gpt-4o-2024-08-06');
    expect(records[0]!.record.cost).toBeCloseTo(1000 * 2.75e-6 + 100 * 2e-5, 12);
  });

  it('prices embeddings for input only', async () => {
    const { gateway, records } = await gatewayWith([{ model_name: 'emb', params: { model: 'mock/text-embedding-3-small' } }]);
    const res = await gateway.embeddings({ model: 'emb', input: ['hello world', 'tiktoken is great!'] });
    await gateway.close();
    const n = res.usage.prompt_tokens;
    expect(records[0]!.record).toMatchObject({ usage_estimated: false, input_tokens: n, output_tokens: 0 });
    expect(records[0]!.record.cost).toBeCloseTo(n * 2e-8, 12);
  });

  it('records zero cost and no price key for a model nobody prices', async () => {
    const { gateway, records } = await gatewayWith([{ model_name: 'x', params: { model: 'mock/house-model', mock_usage: { prompt_tokens: 10, completion_tokens: 10 } } }]);
    await gateway.chat({ model: 'x', messages: ask });
    await gateway.close();
    expect(records[0]!.record).toMatchObject({ cost: 0, price_key: null, input_tokens: 10 });
  });
});

describe('CostEngine.record', () => {
  const engine = new CostEngine();

  it('estimates embeddings whose provider reported zero usage (Gemini AI Studio)', () => {
    const record = engine.record({
      deployment: { provider: 'gemini', providerModel: 'gemini-embedding-001' },
      operation: 'embeddings',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      request: { model: 'embed', input: 'x'.repeat(400) },
    });
    // 4 characters a token: 100 tokens at 1.5e-7
    expect(record).toMatchObject({ usage_estimated: true, input_tokens: 100, output_tokens: 0, cost: 0.000015 });
  });

  it('charges rerank by reported search units, or one per 100 documents when none are reported', () => {
    const deployment = { provider: 'cohere', providerModel: 'rerank-v3.5' };
    const request = { model: 'rerank', query: 'q', documents: Array.from({ length: 150 }, (_, i) => `doc ${i}`) };
    expect(engine.record({ deployment, operation: 'rerank', usage: null, searchUnits: 3, request })).toMatchObject({ search_units: 3, cost: 0.006 });
    expect(engine.record({ deployment, operation: 'rerank', usage: null, request })).toMatchObject({ search_units: 2, cost: 0.004, usage_estimated: true });
  });

  it('reports every token count the breakdown was computed from', () => {
    const record = engine.record({
      deployment: { provider: 'openai', providerModel: 'o3' },
      operation: 'chat',
      serviceTier: 'flex',
      usage: {
        prompt_tokens: 2000,
        completion_tokens: 1500,
        total_tokens: 3500,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 1200 },
      },
    });
    // o3 flex: input 1e-6, cache read 2.5e-7, output 4e-6
    expect(record).toEqual({
      cost: 0.007232,
      usage_estimated: false,
      input_tokens: 2000,
      output_tokens: 1500,
      cached_tokens: 1024,
      cache_write_tokens: 0,
      reasoning_tokens: 1200,
      search_units: 0,
      breakdown: { input: 0.000976, cache_read: 0.000256, cache_write: 0, output: 0.0012, reasoning: 0.0048, total: 0.007232 },
      price_key: 'openai/o3',
    });
  });
});
