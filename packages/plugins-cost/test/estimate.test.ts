import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@tollgate/core';
import { costHeaders, decimalString, estimateSearchUnits, estimateUsage, openaiEncoding, pythonFloatString } from '@tollgate/plugin-cost';

describe('estimateUsage', () => {
  it('counts OpenAI chat prompts with the tokenizer and the cookbook overhead', () => {
    const request: ChatCompletionRequest = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' }, // 6 tokens
        { role: 'user', content: 'What is the capital of France?' }, // 7 tokens
      ],
    };
    // 3 to prime the reply + per message (3 + 1 for the role + content)
    const u = estimateUsage(request, 'The capital of France is Paris.', 'gpt-4o');
    expect(u).toEqual({ prompt_tokens: 3 + (3 + 1 + 6) + (3 + 1 + 7), completion_tokens: 7, total_tokens: 31 });
  });

  it('picks o200k_base for GPT-4o-era models and cl100k_base for GPT-4 and the embedding models', () => {
    const text = 'Bonjour, ça va ? 日本語'; // 7 tokens in o200k_base, 9 in cl100k_base
    expect(estimateUsage({ model: 'm', input: text }, '', 'gpt-4.1-mini').prompt_tokens).toBe(7);
    expect(estimateUsage({ model: 'm', input: text }, '', 'text-embedding-3-small').prompt_tokens).toBe(9);
    expect([openaiEncoding('o3-mini'), openaiEncoding('azure/gpt-4-0613'), openaiEncoding('claude-sonnet-4-5')]).toEqual(['o200k_base', 'cl100k_base', null]);
  });

  it('counts special-token text as text instead of failing', () => {
    expect(estimateUsage({ model: 'm', input: '<|endoftext|> hi' }, '', 'gpt-4o').prompt_tokens).toBe(8);
  });

  it('estimates other makers at 4 characters a token with the same message overhead', () => {
    const request: ChatCompletionRequest = { model: 'claude', messages: [{ role: 'user', content: 'x'.repeat(40), name: 'ann' }] };
    // 3 priming + 3 per message + ceil(4/4) role + 40/4 content + 1 + ceil(3/4) name
    expect(estimateUsage(request, 'y'.repeat(10), 'claude-sonnet-4-5')).toEqual({ prompt_tokens: 3 + 3 + 1 + 10 + 1 + 1, completion_tokens: 3, total_tokens: 22 });
  });

  it('counts text parts, images at 85 tokens, tool calls and tool definitions', () => {
    const request: ChatCompletionRequest = {
      model: 'x',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'abcdefgh' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'get' } }],
    };
    const tools = Math.ceil(JSON.stringify(request.tools).length / 4);
    // priming 3; user: 3 + 1 (role) + 2 (text) + 85; assistant: 3 + 3 (role) + 1 (name) + 2 (arguments)
    expect(estimateUsage(request, '', 'mistral-large-latest').prompt_tokens).toBe(3 + (3 + 1 + 2 + 85) + (3 + 3 + 1 + 2) + tools);
  });

  it('counts embedding inputs: strings, lists and token arrays', () => {
    expect(estimateUsage({ model: 'e', input: ['hello world', 'tiktoken is great!'] }, '', 'text-embedding-3-small').prompt_tokens).toBe(2 + 6);
    expect(estimateUsage({ model: 'e', input: [1, 2, 3] }, '', 'text-embedding-3-small').prompt_tokens).toBe(3);
    expect(estimateUsage({ model: 'e', input: [[1, 2], [3, 4, 5]] }, '', 'text-embedding-3-small').prompt_tokens).toBe(5);
  });

  it('counts a rerank query with its documents, and one search unit per 100 documents', () => {
    const docs = Array.from({ length: 101 }, () => 'abcd');
    expect(estimateUsage({ model: 'r', query: 'abcdefgh', documents: docs }, '', 'rerank-v3.5').prompt_tokens).toBe(2 + 101);
    expect(estimateSearchUnits({ model: 'r', query: 'q', documents: docs })).toBe(2);
    expect(estimateSearchUnits({ model: 'r', query: 'q', documents: [] })).toBe(1);
  });
});

describe('cost headers', () => {
  it('writes x-litellm-response-cost as Python prints a float', () => {
    expect(pythonFloatString(0)).toBe('0.0');
    expect(pythonFloatString(0.00123)).toBe('0.00123');
    expect(pythonFloatString(0.0001)).toBe('0.0001');
    expect(pythonFloatString(3.5e-5)).toBe('3.5e-05');
    expect(pythonFloatString(1.0335)).toBe('1.0335');
    expect(pythonFloatString(120)).toBe('120.0');
    expect(pythonFloatString(1e16)).toBe('1e+16');
    expect(pythonFloatString(0.1 + 0.2)).toBe('0.30000000000000004');
  });

  it('writes x-tollgate-cost as a plain decimal with the same digits', () => {
    expect(decimalString(3.5e-5)).toBe('0.000035');
    expect(decimalString(1.25e-7)).toBe('0.000000125');
    expect(decimalString(12.5)).toBe('12.5');
    expect(costHeaders(0.014464)).toEqual({ 'x-tollgate-cost': '0.014464', 'x-litellm-response-cost': '0.014464' });
    // the sum's binary noise is rounded away (12 significant digits)
    expect(costHeaders(1000 * 1.5e-7 + 200 * 6e-7)).toEqual({ 'x-tollgate-cost': '0.00027', 'x-litellm-response-cost': '0.00027' });
    expect(costHeaders(2.5e-5)).toEqual({ 'x-tollgate-cost': '0.000025', 'x-litellm-response-cost': '2.5e-05' });
    expect(() => decimalString(Number.NaN)).toThrow(RangeError);
  });
});
