import { describe, expect, it } from 'vitest';
import { toOpenAIUsage } from '@tollgate/adapter-anthropic';
import { mapUsage } from '@tollgate/adapter-gemini';
import { costOf, priceFor, type CostBreakdown, type ModelPrice, type PricedUsage } from '@tollgate/plugin-cost';

/** Every figure below is worked out by hand from the shipped rates (USD per token, in the comment). */
function expectCost(actual: CostBreakdown, expected: Partial<CostBreakdown>): void {
  const full = { input: 0, cache_read: 0, cache_write: 0, output: 0, reasoning: 0, total: 0, ...expected };
  for (const k of Object.keys(full) as Array<keyof CostBreakdown>) expect(actual[k], k).toBeCloseTo(full[k], 12);
}

function price(provider: string, model: string): ModelPrice {
  const p = priceFor(provider, model);
  if (!p) throw new Error(`no price for ${provider}/${model}`);
  return p;
}

const usage = (prompt: number, completion: number, extra: Partial<PricedUsage> = {}): PricedUsage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...extra,
});

describe('OpenAI: prompt_tokens includes cached_tokens, completion_tokens includes reasoning_tokens', () => {
  it('charges cached tokens at the cache-read rate and the rest at the input rate (gpt-4o)', () => {
    // gpt-4o: input 2.5e-6, cache read 1.25e-6, output 1e-5
    const u = usage(1000, 200, { prompt_tokens_details: { cached_tokens: 400 } });
    expectCost(costOf(u, price('openai', 'gpt-4o')), {
      input: 600 * 2.5e-6, // 0.0015
      cache_read: 400 * 1.25e-6, // 0.0005
      output: 200 * 1e-5, // 0.002
      total: 0.004,
    });
  });

  it('charges reasoning tokens once, inside completion_tokens (o3)', () => {
    // o3: input 2e-6, cache read 5e-7, output 8e-6 (no separate reasoning rate)
    const u = usage(2000, 1500, { prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 1200 } });
    expectCost(costOf(u, price('openai', 'o3-2025-04-16')), {
      input: 976 * 2e-6, // 0.001952
      cache_read: 1024 * 5e-7, // 0.000512
      output: 300 * 8e-6, // 0.0024
      reasoning: 1200 * 8e-6, // 0.0096
      total: 0.014464,
    });
  });

  it('uses the flex and priority rates when the response says which tier served it', () => {
    // o3 flex: input 1e-6, cache read 2.5e-7, output 4e-6
    const u = usage(2000, 1500, { prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 1200 } });
    expect(costOf(u, price('openai', 'o3'), { serviceTier: 'flex' }).total).toBeCloseTo(976e-6 + 1024 * 2.5e-7 + 300 * 4e-6 + 1200 * 4e-6, 12);
    // gpt-4o-mini priority: input 2.5e-7, output 1e-6; "default" is the standard tier (1.5e-7, 6e-7)
    expect(costOf(usage(1000, 100), price('openai', 'gpt-4o-mini'), { serviceTier: 'priority' }).total).toBeCloseTo(1000 * 2.5e-7 + 100 * 1e-6, 12);
    expect(costOf(usage(1000, 100), price('openai', 'gpt-4o-mini'), { serviceTier: 'default' }).total).toBeCloseTo(1000 * 1.5e-7 + 100 * 6e-7, 12);
  });
});

describe('Anthropic usage as the adapter maps it (prompt = input + cache reads + cache writes)', () => {
  const sonnet = price('anthropic', 'claude-sonnet-4-5');

  it('charges cache reads and 5-minute cache writes at their own rates', () => {
    // claude-sonnet-4-5: input 3e-6, cache read 3e-7, cache write 3.75e-6, output 1.5e-5
    const u = toOpenAIUsage({ input_tokens: 100, cache_read_input_tokens: 5000, cache_creation_input_tokens: 2000, output_tokens: 300 });
    expect(u.prompt_tokens).toBe(7100);
    expectCost(costOf(u, sonnet), {
      input: 100 * 3e-6, // 0.0003
      cache_read: 5000 * 3e-7, // 0.0015
      cache_write: 2000 * 3.75e-6, // 0.0075
      output: 300 * 1.5e-5, // 0.0045
      total: 0.0138,
    });
  });

  it('charges 1-hour cache writes at the 1h rate when the TTL split is reported', () => {
    // 1h write 6e-6 beside 5m write 3.75e-6
    const u: PricedUsage = usage(2100, 0, {
      prompt_tokens_details: { cached_tokens: 0, cache_creation_tokens: 2000, cache_creation_token_details: { ephemeral_5m_input_tokens: 500, ephemeral_1h_input_tokens: 1500 } },
    });
    expectCost(costOf(u, sonnet), { input: 100 * 3e-6, cache_write: 500 * 3.75e-6 + 1500 * 6e-6, total: 0.0003 + 0.001875 + 0.009 });
  });

  it('charges every token at the long-context rate once the prompt passes 200k tokens', () => {
    // above 200k: input 6e-6, cache read 6e-7, cache write 7.5e-6, output 2.25e-5
    const u = toOpenAIUsage({ input_tokens: 150_000, cache_read_input_tokens: 60_000, cache_creation_input_tokens: 10_000, output_tokens: 1000 });
    expectCost(costOf(u, sonnet), {
      input: 150_000 * 6e-6, // 0.9
      cache_read: 60_000 * 6e-7, // 0.036
      cache_write: 10_000 * 7.5e-6, // 0.075
      output: 1000 * 2.25e-5, // 0.0225
      total: 1.0335,
    });
  });

  it('keeps the base rates at exactly 200k tokens (the tier starts above it)', () => {
    expect(costOf(usage(200_000, 0), sonnet).total).toBeCloseTo(200_000 * 3e-6, 12);
    expect(costOf(usage(200_001, 0), sonnet).total).toBeCloseTo(200_001 * 6e-6, 12);
  });
});

describe('Gemini usage as the adapter maps it (thoughts added to completion_tokens)', () => {
  it('charges cached content, output and thoughts at the 2.5 Pro long-context rates', () => {
    // gemini-2.5-pro above 200k: input 2.5e-6, cache read 2.5e-7, output 1.5e-5
    const u = mapUsage({ promptTokenCount: 250_000, cachedContentTokenCount: 100_000, candidatesTokenCount: 1000, thoughtsTokenCount: 3000, totalTokenCount: 254_000 });
    expect(u.completion_tokens).toBe(4000);
    expectCost(costOf(u, price('gemini', 'gemini-2.5-pro')), {
      input: 150_000 * 2.5e-6, // 0.375
      cache_read: 100_000 * 2.5e-7, // 0.025
      output: 1000 * 1.5e-5, // 0.015
      reasoning: 3000 * 1.5e-5, // 0.045
      total: 0.46,
    });
  });

  it('charges 2.5 Flash below the tier with its own reasoning rate', () => {
    // gemini-2.5-flash: input 3e-7, cache read 3e-8, output 2.5e-6, reasoning 2.5e-6
    const u = mapUsage({ promptTokenCount: 10_000, cachedContentTokenCount: 4000, candidatesTokenCount: 500, thoughtsTokenCount: 1500, totalTokenCount: 12_000 });
    expectCost(costOf(u, price('gemini', 'gemini-2.5-flash')), {
      input: 6000 * 3e-7, // 0.0018
      cache_read: 4000 * 3e-8, // 0.00012
      output: 500 * 2.5e-6, // 0.00125
      reasoning: 1500 * 2.5e-6, // 0.00375
      total: 0.00692,
    });
  });

  it('prices Vertex AI Gemini and Claude from the Vertex table', () => {
    // vertex gemini-2.5-pro below the tier: input 1.25e-6, output 1e-5
    expect(costOf(usage(1000, 100), price('vertex_ai', 'gemini-2.5-pro')).total).toBeCloseTo(1000 * 1.25e-6 + 100 * 1e-5, 12);
    // vertex claude-sonnet-4-5@20250929: same list price as Anthropic's
    const u = toOpenAIUsage({ input_tokens: 100, cache_read_input_tokens: 5000, cache_creation_input_tokens: 2000, output_tokens: 300 });
    expect(costOf(u, price('vertex_ai', 'claude-sonnet-4-5@20250929')).total).toBeCloseTo(0.0138, 12);
  });
});

describe('other providers', () => {
  it('Bedrock Claude through a US inference profile costs the regional rate (+10%)', () => {
    // us.anthropic.claude-sonnet-4-5: input 3.3e-6, cache read 3.3e-7, cache write 4.125e-6, output 1.65e-5
    const u = toOpenAIUsage({ input_tokens: 100, cache_read_input_tokens: 5000, cache_creation_input_tokens: 2000, output_tokens: 300 });
    expect(costOf(u, price('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).total).toBeCloseTo(100 * 3.3e-6 + 5000 * 3.3e-7 + 2000 * 4.125e-6 + 300 * 1.65e-5, 12);
  });

  it('xAI starts the higher tier AT the threshold (grok-4-1-fast-reasoning, 128k)', () => {
    // below: input 2e-7, output 5e-7; from 128000: input 4e-7, output 1e-6
    const p = price('xai', 'grok-4-1-fast-reasoning');
    expect(costOf(usage(127_999, 10), p).total).toBeCloseTo(127_999 * 2e-7 + 10 * 5e-7, 12);
    expect(costOf(usage(128_000, 10), p).total).toBeCloseTo(128_000 * 4e-7 + 10 * 1e-6, 12);
  });

  it('a model without a cache-read price charges cached tokens as input, not as free (xai/grok-4)', () => {
    // grok-4: input 3e-6, output 1.5e-5, no cache-read figure
    const u = usage(1000, 0, { prompt_tokens_details: { cached_tokens: 600 } });
    expectCost(costOf(u, price('xai', 'grok-4')), { input: 400 * 3e-6, cache_read: 600 * 3e-6, total: 0.003 });
  });

  it('DeepSeek reasoner: cache hits at the hit rate, reasoning at the output rate', () => {
    // deepseek-reasoner: input 2.8e-7, cache hit 2.8e-8, output 4.2e-7
    const u = usage(10_000, 3000, { prompt_tokens_details: { cached_tokens: 8000 }, completion_tokens_details: { reasoning_tokens: 2000 } });
    expect(costOf(u, price('deepseek', 'deepseek-reasoner')).total).toBeCloseTo(2000 * 2.8e-7 + 8000 * 2.8e-8 + 1000 * 4.2e-7 + 2000 * 4.2e-7, 12);
  });

  it('Mistral, Groq, Azure (by region) and Bedrock Nova at their list prices', () => {
    const u = usage(1_000_000, 1_000_000);
    expect(costOf(u, price('mistral', 'mistral-small-latest')).total).toBeCloseTo(0.06 + 0.18, 12);
    expect(costOf(u, price('groq', 'llama-3.3-70b-versatile')).total).toBeCloseTo(0.59 + 0.79, 12);
    expect(costOf(u, price('azure', 'eu/gpt-4o-2024-08-06')).total).toBeCloseTo(2.75 + 11, 12);
    expect(costOf(u, price('bedrock', 'amazon.nova-pro-v1:0')).total).toBeCloseTo(0.8 + 3.2, 12);
  });

  it('Ollama is free, whatever the model', () => {
    expect(costOf(usage(5000, 5000), price('ollama', 'qwen2.5-coder:32b')).total).toBe(0);
  });
});

describe('arithmetic', () => {
  it('adds up without binary noise: rates are summed per million tokens, then turned into USD to a trillionth of a dollar', () => {
    const u = toOpenAIUsage({ input_tokens: 100, cache_read_input_tokens: 5000, cache_creation_input_tokens: 2000, output_tokens: 300 });
    expect(costOf(u, price('anthropic', 'claude-sonnet-4-5'))).toEqual({ input: 0.0003, cache_read: 0.0015, cache_write: 0.0075, output: 0.0045, reasoning: 0, total: 0.0138 });
    // 1000 x 1.5e-7 + 200 x 6e-7 in plain floating point is 0.00026999999999999995
    expect(costOf(usage(1000, 200), price('openai', 'gpt-4o-mini')).total).toBe(0.00027);
    // 2.1 millionths: dividing the sum by a million alone gives 0.0000021000000000000002
    expect(costOf(usage(10, 1), price('openai', 'gpt-4o-mini'))).toMatchObject({ input: 0.0000015, output: 6e-7, total: 0.0000021 });
  });
});

describe('embeddings and rerank', () => {
  it('charges embeddings for input only', () => {
    // text-embedding-3-small 2e-8; titan-embed-text-v2 2e-8; embed-v4.0 1.2e-7; gemini-embedding-001 1.5e-7
    const u = usage(12_345, 0);
    expectCost(costOf(u, price('openai', 'text-embedding-3-small'), { mode: 'embedding' }), { input: 12_345 * 2e-8, total: 12_345 * 2e-8 });
    expect(costOf(u, price('bedrock', 'amazon.titan-embed-text-v2:0'), { mode: 'embedding' }).total).toBeCloseTo(12_345 * 2e-8, 12);
    expect(costOf(u, price('cohere', 'embed-v4.0'), { mode: 'embedding' }).total).toBeCloseTo(12_345 * 1.2e-7, 12);
    expect(costOf(u, price('gemini', 'gemini-embedding-001'), { mode: 'embedding' }).total).toBeCloseTo(12_345 * 1.5e-7, 12);
  });

  it('charges rerank by search unit (Cohere rerank-v3.5 and on Bedrock: 0.002 each)', () => {
    expectCost(costOf(usage(0, 0), price('cohere', 'rerank-v3.5'), { mode: 'rerank', searchUnits: 3 }), { input: 0.006, total: 0.006 });
    expect(costOf(usage(0, 0), price('bedrock', 'cohere.rerank-v3-5:0'), { mode: 'rerank', searchUnits: 1 }).total).toBeCloseTo(0.002, 12);
  });
});
