import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { costOf, PriceTable, priceFor, SHIPPED_PROVIDERS } from '@tollgate/plugin-cost';

const keyOf = (provider: string, model: string, overrides?: Parameters<typeof priceFor>[2]): string | null => {
  const p = priceFor(provider, model, overrides);
  return p ? `${p.provider}/${p.key}` : null;
};

describe('model ids', () => {
  it.each([
    ['openai', 'gpt-4o-2024-08-06', 'openai/gpt-4o-2024-08-06'],
    ['openai', 'gpt-4o-2030-01-01', 'openai/gpt-4o'], // an unknown date: the undated model
    ['openai', 'GPT-4o-mini', 'openai/gpt-4o-mini'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5-20250929'],
    ['anthropic', 'claude-3-7-sonnet-latest', 'anthropic/claude-3-7-sonnet-20250219'],
    ['anthropic', 'claude-3-7-sonnet', 'anthropic/claude-3-7-sonnet-20250219'], // undated: the latest dated key
    ['bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    // a profile the table has no regional row for: the model's base price
    ['bedrock', 'apac.anthropic.claude-opus-4-1-20250805-v1:0', 'bedrock/anthropic.claude-opus-4-1-20250805-v1:0'],
    ['bedrock', 'converse/us.meta.llama3-3-70b-instruct-v1:0', 'bedrock/us.meta.llama3-3-70b-instruct-v1:0'],
    ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0', 'bedrock/us.amazon.nova-pro-v1:0'],
    ['vertex_ai', 'claude-sonnet-4@20250514', 'vertex_ai/claude-sonnet-4@20250514'],
    ['vertex_ai', 'claude-sonnet-4-5@20991231', 'vertex_ai/claude-sonnet-4-5'],
    ['vertex_ai_beta', 'gemini-2.5-flash', 'vertex_ai/gemini-2.5-flash'],
    ['vertex_ai', 'gemini-2.5-flash-999', 'vertex_ai/gemini-2.5-flash'], // -NNN version suffix
    ['gemini', 'gemini-2.0-flash-001', 'gemini/gemini-2.0-flash-001'],
    ['azure', 'gpt-4o', 'azure/gpt-4o'],
    ['azure', 'gpt-4o-mini-2024-07-18', 'azure/gpt-4o-mini-2024-07-18'],
    ['groq', 'llama-3.1-8b-instant', 'groq/llama-3.1-8b-instant'],
    ['groq', 'meta-llama/llama-4-scout-17b-16e-instruct', 'groq/meta-llama/llama-4-scout-17b-16e-instruct'],
    ['mistral', 'mistral-large-latest', 'mistral/mistral-large-latest'],
    ['deepseek', 'deepseek-chat', 'deepseek/deepseek-chat'],
    ['xai', 'grok-4', 'xai/grok-4'],
    ['cohere_chat', 'command-r-plus', 'cohere/command-r-plus'],
    ['ollama_chat', 'llama3.1', 'ollama/llama3.1'],
    ['ollama', 'phi4:14b', 'ollama/*'],
    ['mock', 'gpt-4o-mini', 'openai/gpt-4o-mini'], // no table of its own: the maker's price
  ])('%s/%s -> %s', (provider, model, expected) => {
    expect(keyOf(provider, model)).toBe(expected);
  });

  it('has no price for a model nobody lists', () => {
    expect(priceFor('azure', 'my-deployment')).toBeNull();
    expect(priceFor('together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo')).toBeNull();
  });

  it('reads context window, output limit and mode from the table', () => {
    const p = priceFor('openai', 'text-embedding-3-large')!;
    expect([p.mode, p.maxInputTokens, p.maxOutputTokens]).toEqual(['embedding', 8191, null]);
    const c = priceFor('anthropic', 'claude-haiku-4-5')!;
    expect([c.mode, c.maxInputTokens, c.maxOutputTokens]).toEqual(['chat', 200_000, 64_000]);
    expect(priceFor('cohere', 'rerank-v3.5')!.mode).toBe('rerank');
    expect(priceFor('openai', 'omni-moderation-latest')!.mode).toBe('moderation');
  });

  it('ships a date and a source for every provider', () => {
    const info = PriceTable.shipped().providers();
    expect(info.map((i) => i.provider)).toEqual([...SHIPPED_PROVIDERS]);
    for (const i of info) {
      expect(i.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(i.source).toMatch(/^https:\/\//);
      expect(i.models).toBeGreaterThan(0);
    }
  });
});

describe('deployment overrides', () => {
  it('prices an Azure deployment by model_info.base_model', () => {
    expect(keyOf('azure', 'prod-chat', { model_info: { base_model: 'azure/gpt-4o-2024-08-06' } })).toBe('azure/gpt-4o-2024-08-06');
    expect(keyOf('azure', 'prod-eu', { model_info: { base_model: 'azure/eu/gpt-4o-2024-08-06' } })).toBe('azure/eu/gpt-4o-2024-08-06');
    expect(keyOf('azure', 'prod-mini', { model_info: { base_model: 'gpt-4o-mini' } })).toBe('azure/gpt-4o-mini');
  });

  it('overrides rates from model_info, with string values as YAML may give them', () => {
    const p = priceFor('openai', 'gpt-4o', { model_info: { input_cost_per_token: '1e-6', output_cost_per_token: 0.000004 } })!;
    expect(p.origin).toBe('override');
    // cache read keeps the table's 1.25e-6
    const u = { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 200 } };
    expect(costOf(u, p).total).toBeCloseTo(800 * 1e-6 + 200 * 1.25e-6 + 100 * 4e-6, 12);
  });

  it('lets params / litellm_params keys win over model_info', () => {
    const p = priceFor('openai', 'gpt-4o', {
      model_info: { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 },
      params: { output_cost_per_token: 2e-6, cache_read_input_token_cost: 1e-7 },
      litellm_params: { output_cost_per_reasoning_token: 3e-6 },
    })!;
    const u = {
      prompt_tokens: 1000,
      completion_tokens: 100,
      total_tokens: 1100,
      prompt_tokens_details: { cached_tokens: 500 },
      completion_tokens_details: { reasoning_tokens: 40 },
    };
    expect(costOf(u, p).total).toBeCloseTo(500 * 1e-6 + 500 * 1e-7 + 60 * 2e-6 + 40 * 3e-6, 12);
  });

  it('adds a long-context tier from override keys', () => {
    const p = priceFor('azure', 'long', {
      params: { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6, input_cost_per_token_above_128k_tokens: 3e-6 },
    })!;
    const u = (n: number) => ({ prompt_tokens: n, completion_tokens: 10, total_tokens: n + 10 });
    expect(costOf(u(128_000), p).total).toBeCloseTo(128_000 * 1e-6 + 10 * 2e-6, 12);
    expect(costOf(u(128_001), p).total).toBeCloseTo(128_001 * 3e-6 + 10 * 2e-6, 12); // output has no tier rate: base
  });

  it('prices an unknown model from its overrides alone, and cache writes at model_info rates', () => {
    const p = priceFor('hosted_vllm', 'my-model', { model_info: { input_cost_per_token: 2e-7, output_cost_per_token: 4e-7, cache_creation_input_token_cost: 5e-7, mode: 'chat', max_input_tokens: 32_768 } })!;
    expect([p.key, p.maxInputTokens]).toEqual(['my-model', 32_768]);
    const u = { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_tokens_details: { cache_creation_tokens: 600 } };
    expect(costOf(u, p).total).toBeCloseTo(400 * 2e-7 + 600 * 5e-7 + 10 * 4e-7, 12);
  });

  it('charges per second where a model has only a runtime price', () => {
    const p = priceFor('hosted_vllm', 'gpu-box', { model_info: { input_cost_per_second: 0.00042 } })!;
    expect(costOf({ prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 }, p, { durationMs: 2500 }).total).toBeCloseTo(0.00105, 12);
  });

  it('ignores max_tokens in params (a request default there) and rejects a rate that is not a number', () => {
    expect(priceFor('openai', 'gpt-4o', { params: { max_tokens: 10 } })!.origin).toBe('table');
    expect(() => priceFor('openai', 'gpt-4o', { params: { input_cost_per_token: 'cheap' } })).toThrow(
      'params.input_cost_per_token: expected a non-negative number, got "cheap"',
    );
  });
});

describe('a LiteLLM price-map file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cost-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is merged over the shipped table: replaced, added and provider-less models', () => {
    const file = join(dir, 'prices.json');
    writeFileSync(
      file,
      JSON.stringify({
        sample_spec: { input_cost_per_token: 0 },
        'gpt-4o': { litellm_provider: 'openai', input_cost_per_token: 1e-6, output_cost_per_token: 2e-6, mode: 'chat' },
        'azure/my-ft-model': { litellm_provider: 'azure', input_cost_per_token: 3e-6, output_cost_per_token: 4e-6 },
        'vertex_ai/claude-new@20990101': { litellm_provider: 'vertex_ai-anthropic_models', input_cost_per_token: 5e-6, output_cost_per_token: 6e-6 },
        'in-house-llm': { input_cost_per_token: 7e-7, output_cost_per_token: 8e-7, max_input_tokens: 65_536 },
      }),
    );
    const table = PriceTable.create([file]);
    const u = { prompt_tokens: 1000, completion_tokens: 1000, total_tokens: 2000 };
    const cost = (provider: string, model: string) => costOf(u, priceFor(provider, model, undefined, table)!).total;
    expect(cost('openai', 'gpt-4o')).toBeCloseTo(1000 * 1e-6 + 1000 * 2e-6, 12);
    expect(priceFor('openai', 'gpt-4o', undefined, table)!.origin).toBe('file');
    expect(cost('azure', 'my-ft-model')).toBeCloseTo(1000 * 3e-6 + 1000 * 4e-6, 12);
    expect(cost('vertex_ai', 'claude-new@20990101')).toBeCloseTo(1000 * 5e-6 + 1000 * 6e-6, 12);
    expect(cost('hosted_vllm', 'in-house-llm')).toBeCloseTo(1000 * 7e-7 + 1000 * 8e-7, 12);
    // the shipped figures stay for everything else, and the shipped table itself is untouched
    expect(cost('anthropic', 'claude-haiku-4-5')).toBeCloseTo(1000 * 1e-6 + 1000 * 5e-6, 12);
    expect(cost('openai', 'gpt-4o-mini')).toBeCloseTo(1000 * 1.5e-7 + 1000 * 6e-7, 12);
    expect(costOf(u, priceFor('openai', 'gpt-4o')!).total).toBeCloseTo(1000 * 2.5e-6 + 1000 * 1e-5, 12);
  });

  it('fails with the path when the file is not a price map', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2]');
    expect(() => PriceTable.create([bad])).toThrow(`price file ${bad}: expected an object of models`);
    expect(() => PriceTable.create([join(dir, 'missing.json')])).toThrow(/price file .*missing\.json: ENOENT/);
  });
});
