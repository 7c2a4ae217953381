import { describe, expect, it } from 'vitest';
import { GatewayError, type ChatCompletionChunk, type FramedEvent } from '@tollgate/core';
import { converseToOpenAI, toOpenAIUsage } from '../src/response.js';
import { ConverseStreamParser } from '../src/stream.js';
import { mapBedrockError } from '../src/errors.js';
import { EventStreamDecoder } from '../src/eventstream.js';
import { parseEmbeddings } from '../src/embeddings.js';
import { parseBedrockRerankResponse } from '../src/rerank.js';
import { corrupt, eventFrame, exceptionFrame } from '../../testing/src/eventstream.js';
import { assemble } from './helpers.js';

const O = { id: 'chatcmpl-1', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' };

describe('Converse response -> ChatCompletion', () => {
  it('text, reasoning with signature, redacted reasoning, tool use, usage with cache tokens', () => {
    // The shape of a real Converse answer from Claude with thinking and a tool call.
    const body = {
      output: { message: { role: 'assistant', content: [
        { reasoningContent: { reasoningText: { text: 'The user wants weather.', signature: 'EqQBCkYIBxgCKkD' } } },
        { reasoningContent: { redactedContent: 'RXJyb3I=' } },
        { text: "I'll check." },
        { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', input: { city: 'Oslo' } } },
      ] } },
      stopReason: 'tool_use',
      usage: { inputTokens: 12, outputTokens: 40, totalTokens: 2052, cacheReadInputTokens: 1500, cacheWriteInputTokens: 500 },
      metrics: { latencyMs: 1675 },
    };
    const r = converseToOpenAI(body, O);
    expect(r.choices[0]).toEqual({
      index: 0,
      finish_reason: 'tool_calls',
      logprobs: null,
      message: {
        role: 'assistant',
        content: "I'll check.",
        reasoning_content: 'The user wants weather.',
        thinking_blocks: [{ type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBCkYIBxgCKkD' }, { type: 'redacted_thinking', data: 'RXJyb3I=' }],
        tool_calls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
      },
    });
    expect(r.usage).toEqual({ prompt_tokens: 2012, completion_tokens: 40, total_tokens: 2052, prompt_tokens_details: { cached_tokens: 1500, cache_creation_tokens: 500 } });
    expect(toOpenAIUsage(undefined)).toMatchObject({ prompt_tokens: 0, total_tokens: 0 });
  });

  it('stop reasons map to OpenAI finish reasons', () => {
    const finish = (stopReason: string) => converseToOpenAI({ output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason, usage: {} }, O).choices[0].finish_reason;
    expect(['end_turn', 'stop_sequence', 'max_tokens', 'model_context_window_exceeded', 'guardrail_intervened', 'content_filtered'].map(finish))
      .toEqual(['stop', 'stop', 'length', 'length', 'content_filter', 'content_filter']);
  });

  it('the JSON tool answer is the content when response_format asked for it', () => {
    const body = { output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'json_tool_call', input: { values: [1, 2] } } }] } }, stopReason: 'tool_use', usage: {} };
    const r = converseToOpenAI(body, { ...O, jsonMode: { wrapped: true } });
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '[1,2]' } });
    expect(() => converseToOpenAI({ stopReason: 'end_turn' }, O)).toThrowError(/without output.message/);
  });
});

const ev = (event: string, payload: object): FramedEvent => ({ event, data: JSON.stringify(payload), headers: { ':event-type': event, ':message-type': 'event' } });

describe('ConverseStream parser', () => {
  it('text, reasoning with its signature, a tool call, finish and usage', () => {
    const p = new ConverseStreamParser(O);
    const out: ChatCompletionChunk[] = [];
    const feed = (e: FramedEvent) => { const c = p.event(e); if (c) out.push(...(Array.isArray(c) ? c : [c])); };
    feed(ev('messageStart', { role: 'assistant' }));
    feed(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Think' } } }));
    feed(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'ing.' } } }));
    feed(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig' } } }));
    feed(ev('contentBlockStop', { contentBlockIndex: 0 }));
    feed(ev('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Calling.' } }));
    feed(ev('contentBlockStop', { contentBlockIndex: 1 }));
    feed(ev('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tu_1', name: 'get_weather' } } }));
    feed(ev('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"city":' } } }));
    feed(ev('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '"Oslo"}' } } }));
    feed(ev('contentBlockStop', { contentBlockIndex: 2 }));
    feed(ev('messageStop', { stopReason: 'tool_use' }));
    feed(ev('metadata', { usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12, cacheReadInputTokens: 3 }, metrics: { latencyMs: 300 } }));
    const r = assemble(out);
    expect(r.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Calling.',
      reasoning_content: 'Thinking.',
      thinking_blocks: [{ type: 'thinking', thinking: 'Thinking.', signature: 'sig' }],
      tool_calls: [{ id: 'tu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
    });
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(out.at(-1)?.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 3 } });
  });

  it('exception frames become errors with kinds (the core scrubs credentials from their messages)', () => {
    const p = new ConverseStreamParser(O);
    const ex = (type: string, message: string) => { try { p.event({ event: type, data: JSON.stringify({ message }), headers: { ':message-type': 'exception', ':exception-type': type } }); } catch (e) { return e as GatewayError; } throw new Error('no error'); };
    expect(ex('throttlingException', 'slow')).toMatchObject({ status: 429, kind: 'rate_limit' });
    expect(ex('serviceUnavailableException', 'busy')).toMatchObject({ status: 503, kind: 'overloaded' });
    expect(ex('modelStreamErrorException', 'x')).toMatchObject({ status: 502, kind: 'server' });
    const v = ex('validationException', 'bad input');
    expect(v).toMatchObject({ status: 400, kind: 'bad_request' });
    expect(v.message).toBe('Bedrock: bad input');
  });
});

describe('Bedrock errors -> canonical errors with a kind', () => {
  const err = (status: number, type: string | null, message: string, key = 'message') =>
    mapBedrockError({ status, headers: type ? { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } : {}, body: JSON.stringify({ [key]: message }) });

  it('maps each documented type', () => {
    expect(err(429, 'ThrottlingException', 'Too many requests')).toMatchObject({ status: 429, kind: 'rate_limit', code: 'rate_limit_exceeded', retryable: true });
    expect(err(400, 'ValidationException', 'Malformed input request')).toMatchObject({ status: 400, kind: 'bad_request', retryable: false });
    expect(err(403, 'AccessDeniedException', "You don't have access to the model")).toMatchObject({ status: 403, kind: 'permission' });
    expect(err(404, 'ResourceNotFoundException', 'Model not found.')).toMatchObject({ status: 404, kind: 'not_found' });
    expect(err(408, 'ModelTimeoutException', 'Model has timed out')).toMatchObject({ status: 408, kind: 'timeout', retryable: true });
    expect(err(503, 'ServiceUnavailableException', 'unavailable')).toMatchObject({ status: 503, kind: 'overloaded', retryable: true });
    expect(err(500, 'InternalServerException', 'oops')).toMatchObject({ status: 500, kind: 'server' });
    expect(err(424, 'ModelErrorException', 'model failed')).toMatchObject({ status: 502, kind: 'server' });
    expect(err(403, 'ExpiredTokenException', 'The security token included in the request is expired')).toMatchObject({ status: 401, kind: 'auth', upstreamStatus: 403 });
    expect(err(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.')).toMatchObject({ status: 401, kind: 'auth' });
    expect(err(403, 'InvalidSignatureException', 'signature')).toMatchObject({ status: 401, kind: 'auth' });
    expect(err(403, null, 'Authentication failed: Please make sure your API Key is valid.', 'Message')).toMatchObject({ status: 401, kind: 'auth' });
  });

  it('context-window refusals are kind context_window_exceeded', () => {
    for (const m of [
      'Input is too long for requested model.',
      'The model returned the following errors: prompt is too long: 215000 tokens > 200000 maximum',
      'The model returned the following errors: input length and `max_tokens` exceed context limit: 142422 + 64000 > 204658',
      'too many total text bytes',
    ]) expect(err(400, 'ValidationException', m)).toMatchObject({ status: 400, kind: 'context_window_exceeded', code: 'context_length_exceeded' });
  });

  it('reads awsJson-style __type bodies, and never echoes a body that is not the documented JSON', () => {
    const e = mapBedrockError({ status: 400, headers: {}, body: JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'bad' }) });
    expect(e).toMatchObject({ status: 400, code: 'ValidationException', message: 'Bedrock: bad' });
    expect(mapBedrockError({ status: 502, headers: {}, body: '<html>bad gateway secret</html>' }).message).toBe('Upstream Bedrock answered HTTP 502.');
  });
});

describe('event-stream decoding', () => {
  const frames = Buffer.concat([eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo' } }), eventFrame('messageStop', { stopReason: 'end_turn' })]);

  it('decodes frames split at every byte boundary', () => {
    for (const step of [1, 3, 7, 50, frames.length]) {
      const d = new EventStreamDecoder();
      const out: FramedEvent[] = [];
      for (let i = 0; i < frames.length; i += step) out.push(...d.push(frames.subarray(i, i + step)));
      out.push(...d.end());
      expect(out.map((e) => e.event)).toEqual(['messageStart', 'contentBlockDelta', 'messageStop']);
      expect(JSON.parse(out[1].data).delta.text).toBe('héllo');
    }
  });

  it('a bad CRC, an absurd length or a cut frame is a clean GatewayError', () => {
    const bad = Buffer.concat([eventFrame('messageStart', { role: 'assistant' }), corrupt(eventFrame('messageStop', { stopReason: 'end_turn' }))]);
    const d = new EventStreamDecoder();
    expect(() => d.push(bad)).toThrowError(GatewayError);
    const lengthy = Buffer.from(frames);
    lengthy.writeUInt32BE(0xfffffff0, 0);
    expect(() => new EventStreamDecoder().push(lengthy)).toThrowError(/invalid message length/);
    const cut = new EventStreamDecoder();
    expect(cut.push(frames.subarray(0, frames.length - 5)).length).toBe(2);
    let e: unknown;
    try { cut.end(); } catch (x) { e = x; }
    expect(e).toMatchObject({ status: 502, kind: 'connection' });
    const [x] = new EventStreamDecoder().push(exceptionFrame('throttlingException', 'slow'));
    expect(x.event).toBe('throttlingException');
  });
});

describe('embeddings and rerank answers', () => {
  it('Titan v2 and Cohere (floats and by type) to OpenAI, base64 when asked', () => {
    const titan = parseEmbeddings({ embedding: [0.5, -0.25], inputTextTokenCount: 3, embeddingsByType: { float: [0.5, -0.25] } }, { model: 'e', input: 'x' }, 'titan-v2', 'amazon.titan-embed-text-v2:0');
    expect(titan).toEqual({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25] }], model: 'amazon.titan-embed-text-v2:0', usage: { prompt_tokens: 3, total_tokens: 3 } });
    const cohere = parseEmbeddings({ id: 'e1', embeddings: { float: [[1], [2]] }, response_type: 'embeddings_by_type' }, { model: 'e', input: ['a', 'b'] }, 'cohere-v4', 'cohere.embed-v4:0');
    expect(cohere.data.map((d) => d.embedding)).toEqual([[1], [2]]);
    const b64 = parseEmbeddings({ id: 'e1', embeddings: [[0.5]], response_type: 'embeddings_floats' }, { model: 'e', input: ['a'], encoding_format: 'base64' }, 'cohere-v3', 'c');
    expect(Buffer.from(b64.data[0].embedding as string, 'base64').readFloatLE(0)).toBe(0.5);
  });

  it("rerank answers in Cohere's shape, documents returned when asked", () => {
    const r = parseBedrockRerankResponse({ results: [{ index: 1, relevanceScore: 0.9 }, { index: 0, relevanceScore: 0.1 }] }, { model: 'm', query: 'q', documents: ['a', 'b'], return_documents: true });
    expect(r.results).toEqual([{ index: 1, relevance_score: 0.9, document: { text: 'b' } }, { index: 0, relevance_score: 0.1, document: { text: 'a' } }]);
    expect(r.meta).toEqual({ billed_units: { search_units: 1 } });
    expect(() => parseBedrockRerankResponse({})).toThrowError(/without results/);
  });
});
