import { describe, expect, it } from 'vitest';
import { CostEngine } from '@tollgate/plugin-cost';

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
      cache_hit: false,
      saved_cost: 0,
      price_key: 'openai/o3',
    });
  });

  const request = { model: 'gpt', messages: [{ role: 'user' as const, content: 'Say hello.' }] };
  const gpt4o = { provider: 'openai', providerModel: 'gpt-4o' };

  it('charges nothing, and estimates nothing, when nothing was served (no request given)', () => {
    expect(engine.record({ deployment: gpt4o, operation: 'chat', usage: null })).toMatchObject({ cost: 0, usage_estimated: false, input_tokens: 0, price_key: 'openai/gpt-4o' });
    expect(engine.record({ deployment: null, operation: 'chat', usage: null, request })).toMatchObject({ cost: 0, usage_estimated: false, price_key: null });
  });

  it('estimates a stream without usage from the prompt and the output tokens it was given', () => {
    // o200k_base: 3 priming + 3 per message + "user" 1 + "Say hello." 3 = 10; gpt-4o input 2.5e-6, output 1e-5
    const record = engine.record({ deployment: gpt4o, operation: 'chat', usage: null, request, outputTokens: 7 });
    expect(record).toMatchObject({ usage_estimated: true, input_tokens: 10, output_tokens: 7 });
    expect(record.cost).toBeCloseTo(10 * 2.5e-6 + 7 * 1e-5, 12);
  });

  it('counts the text of a complete answer that came without usage', () => {
    // "Hello there, friend." is 5 tokens in o200k_base
    const record = engine.record({ deployment: gpt4o, operation: 'chat', usage: null, request, outputText: 'Hello there, friend.', outputTokens: 99 });
    expect(record).toMatchObject({ usage_estimated: true, input_tokens: 10, output_tokens: 5 });
  });

  it('charges a cache hit nothing and keeps what it saved', () => {
    const record = engine.record({ deployment: { provider: 'openai', providerModel: 'gpt-4o-mini' }, operation: 'chat', cacheHit: true, usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 } });
    // gpt-4o-mini: input 1.5e-7, output 6e-7
    expect(record).toMatchObject({ cost: 0, cache_hit: true, input_tokens: 1000, output_tokens: 200 });
    expect(record.saved_cost).toBeCloseTo(1000 * 1.5e-7 + 200 * 6e-7, 12);
    expect(record.breakdown.total).toBe(record.saved_cost);
  });

  it('never estimates tokens of a rerank with reported search units, nor of a moderation', () => {
    const rerank = engine.record({ deployment: { provider: 'cohere', providerModel: 'rerank-v3.5' }, operation: 'rerank', usage: null, searchUnits: 1, request: { model: 'r', query: 'q', documents: ['a'] } });
    expect(rerank).toMatchObject({ usage_estimated: false, input_tokens: 0, search_units: 1, cost: 0.002 });
    const moderation = engine.record({ deployment: { provider: 'openai', providerModel: 'omni-moderation-latest' }, operation: 'moderations', usage: null, request: { model: 'm', input: 'hi' } as never });
    expect(moderation).toMatchObject({ usage_estimated: false, cost: 0 });
  });
});
