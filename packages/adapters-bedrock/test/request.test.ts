import { describe, expect, it } from 'vitest';
import { BadRequestError, type ChatCompletionRequest, type ChatMessage } from '@tollgate/core';
import { buildConverseBody, converseParams } from '../src/request.js';
import { encodeModelId, parseModel } from '../src/model.js';
import { embeddingBody, embeddingFamily } from '../src/embeddings.js';
import { buildBedrockRerankRequest } from '../src/rerank.js';
import { bedrockAdapter } from '../src/adapter.js';
import { startGateway } from './helpers.js';

const ctx = () => ({ warnings: [] as string[] }) as never;
const build = (r: Partial<ChatCompletionRequest>, family = 'anthropic', dropParams = false, c = ctx()) =>
  buildConverseBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...r }, { family, dropParams }, c).body;
const WEATHER = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

describe('model strings', () => {
  it('LiteLLM prefixes, inference profiles and ARNs', () => {
    expect(parseModel('converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ id: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', family: 'anthropic', base: 'anthropic.claude-sonnet-4-5-20250929-v1:0', arnRegion: undefined });
    expect(parseModel('meta.llama3-1-70b-instruct-v1:0').family).toBe('meta');
    const arn = parseModel('arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0');
    expect(arn).toMatchObject({ family: 'amazon', base: 'amazon.nova-pro-v1:0', arnRegion: 'eu-central-1' });
    expect(parseModel('arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123').family).toBe('');
    expect(encodeModelId('arn:aws:bedrock:us-east-1:1:inference-profile/us.x:0')).toBe('arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x%3A0');
  });
});

describe('Converse request translation', () => {
  it('system and developer messages go to system; turns alternate with tool results first', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use metric units.', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'Weather in Oslo and Rome?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }, { id: 't2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'snow' },
      { role: 'tool', tool_call_id: 't2', content: 'sun' },
      { role: 'user', content: 'Thanks, and tomorrow?' },
    ];
    const body = build({ messages, tools: [WEATHER] });
    expect(body.system).toEqual([{ text: 'Be brief.' }, { text: 'Use metric units.' }, { cachePoint: { type: 'default' } }]);
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[1].content).toEqual([
      { text: 'Checking.' },
      { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Oslo' } } },
      { toolUse: { toolUseId: 't2', name: 'get_weather', input: { city: 'Rome' } } },
    ]);
    expect(body.messages[2].content).toEqual([
      { toolResult: { toolUseId: 't1', content: [{ text: 'snow' }] } },
      { toolResult: { toolUseId: 't2', content: [{ text: 'sun' }] } },
      { text: 'Thanks, and tomorrow?' },
    ]);
    expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: WEATHER.function.parameters } } }] });
  });

  it('images and files: data URLs become bytes, s3:// URIs S3 locations, remote URLs a clear 400', () => {
    const pdf = Buffer.from('%PDF-1.4').toString('base64');
    const body = build({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'Q3 report.final.pdf' } },
          { type: 'image_url', image_url: { url: 's3://bucket/photos/cat.JPG' } },
        ],
      }],
    });
    expect(body.messages[0].content).toEqual([
      { text: 'compare' },
      { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
      { document: { format: 'pdf', name: 'Q3 report-final', source: { bytes: pdf } } },
      { image: { format: 'jpeg', source: { s3Location: { uri: 's3://bucket/photos/cat.JPG' } } } },
    ]);
    const remote = () => build({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] });
    expect(remote).toThrowError(BadRequestError);
    expect(remote).toThrowError(/bytes \(a data: URL\) or an s3:\/\/ URI, not a remote URL/);
  });

  it('inferenceConfig from max_tokens / max_completion_tokens, temperature, top_p, stop', () => {
    expect(build({ max_completion_tokens: 300, max_tokens: 100, temperature: 0.2, top_p: 0.9, stop: ['END', ''] }).inferenceConfig).toEqual({ maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    expect(build({ stop: 'STOP' }).inferenceConfig).toEqual({ stopSequences: ['STOP'] });
  });

  it("reasoning: Claude's thinking budget from reasoning_effort, maxTokens kept above it, sampling limits applied", () => {
    const c = ctx();
    const body = build({ reasoning_effort: 'medium', max_tokens: 1000, temperature: 0.5, top_p: 0.5 }, 'anthropic', false, c);
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 3048, topP: 0.95 });
    expect((c as { warnings: string[] }).warnings).toEqual([
      'raised max_tokens from 1000 to 3048: with thinking it must exceed the thinking budget (2048)',
      "dropped 'temperature': not allowed with thinking",
      "clamped 'top_p' from 0.5 to 0.95: required with thinking",
    ]);
    expect(build({ thinking: { type: 'enabled', budget_tokens: 1500 } }).inferenceConfig).toEqual({ maxTokens: 5596 });
    expect(build({ reasoning_effort: 'high' }, 'amazon').additionalModelRequestFields).toEqual({ reasoningConfig: { type: 'enabled', maxReasoningEffort: 'high' } });
    expect(() => build({ reasoning_effort: 'low' }, 'meta')).toThrowError(/does not take 'reasoning_effort' for meta models/);
    expect(build({ reasoning_effort: 'low' }, 'meta', true).additionalModelRequestFields).toBeUndefined();
  });

  it('top_k where each family takes it; client fields the deployment allows are model-specific extras', () => {
    expect(build({ top_k: 40 }).additionalModelRequestFields).toEqual({ top_k: 40 });
    expect(build({ top_k: 40 }, 'amazon').additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 40 } });
    expect(() => build({ top_k: 40 }, 'meta')).toThrowError(/'top_k'/);
    const beta = { anthropic_beta: ['context-1m-2025-08-07'] } as never;
    const c = ctx();
    expect(build(beta, 'anthropic', false, c).additionalModelRequestFields).toBeUndefined();
    expect((c as unknown as { warnings: string[] }).warnings).toEqual([expect.stringMatching(/ignored param 'anthropic_beta'.*allowed_client_params/)]);
    const allowed = buildConverseBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...(beta as object) }, { family: 'anthropic', dropParams: false, params: converseParams(false, ['anthropic_beta']) }, ctx()).body;
    expect(allowed.additionalModelRequestFields).toEqual({ anthropic_beta: ['context-1m-2025-08-07'] });
    expect(build({ guardrailConfig: { guardrailIdentifier: 'g1', guardrailVersion: '1' } } as never).guardrailConfig).toEqual({ guardrailIdentifier: 'g1', guardrailVersion: '1' });
  });

  it('unsupported OpenAI params: 400 naming them, or dropped with a warning; neutral values pass', () => {
    expect(() => build({ logit_bias: { 1: 2 } })).toThrowError(/Bedrock does not support the parameter 'logit_bias'/);
    expect(() => build({ n: 2 })).toThrowError(/'n'/);
    expect(() => build({ parallel_tool_calls: false })).toThrowError(/'parallel_tool_calls'/);
    const c = ctx();
    expect(build({ seed: 1, presence_penalty: 0.5 }, 'anthropic', true, c).additionalModelRequestFields).toBeUndefined();
    expect((c as { warnings: string[] }).warnings).toEqual(["dropped unsupported param 'seed'", "dropped unsupported param 'presence_penalty'"]);
    expect(build({ n: 1, logprobs: false, presence_penalty: 0, parallel_tool_calls: true, user: 'u1', metadata: { team: 'a' } })).toEqual({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
  });

  it('tool_choice: required -> any, a function -> tool, none -> no tools (or a 400 when the history used tools)', () => {
    expect(build({ tools: [WEATHER], tool_choice: 'required' }).toolConfig?.toolChoice).toEqual({ any: {} });
    expect(build({ tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolConfig?.toolChoice).toEqual({ tool: { name: 'get_weather' } });
    expect(build({ tools: [WEATHER], tool_choice: 'none' }).toolConfig).toBeUndefined();
    const history: ChatMessage[] = [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'r' },
    ];
    expect(() => build({ tools: [WEATHER], tool_choice: 'none', messages: history })).toThrowError(/no tool_choice 'none'/);
    // Tool history without tools: placeholder definitions, since Converse needs toolConfig.
    expect(build({ messages: history }).toolConfig?.tools).toEqual([{ toolSpec: { name: 'get_weather', description: 'A tool used earlier in this conversation.', inputSchema: { json: { type: 'object', properties: {} } } } }]);
    expect(() => build({ tools: [WEATHER], tool_choice: 'required', reasoning_effort: 'low' })).toThrowError(/forces a tool while thinking/);
  });

  it('response_format becomes a forced JSON tool; cache_control on a tool adds a cachePoint', () => {
    const body = build({ response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', properties: { a: { type: 'string' } } } } } });
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'json_tool_call', description: 'Respond with the final answer as JSON that matches this schema.', inputSchema: { json: { type: 'object', properties: { a: { type: 'string' } } } } } }],
      toolChoice: { tool: { name: 'json_tool_call' } },
    });
    expect(build({ response_format: { type: 'json_object' } }, 'meta').toolConfig?.toolChoice).toEqual({ any: {} });
    expect(build({ tools: [{ ...WEATHER, cache_control: { type: 'ephemeral', ttl: '1h' } }] }).toolConfig?.tools[1]).toEqual({ cachePoint: { type: 'default', ttl: '1h' } });
  });

  it('thinking blocks go back first as reasoningContent, redacted ones as redactedContent', () => {
    const body = build({
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a', thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig1' }, { type: 'redacted_thinking', data: 'UkVE' }] },
        { role: 'user', content: 'next' },
      ],
    });
    expect(body.messages[1].content).toEqual([
      { reasoningContent: { reasoningText: { text: 'hmm', signature: 'sig1' } } },
      { reasoningContent: { redactedContent: 'UkVE' } },
      { text: 'a' },
    ]);
  });

  it('tool call arguments must be a JSON object', () => {
    const bad: ChatMessage[] = [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '[1]' } }] }];
    expect(() => build({ messages: bad, tools: [WEATHER] })).toThrowError(/must be a JSON object/);
  });
});

describe('embeddings and rerank bodies', () => {
  it('Titan v2 dimensions and normalize; Cohere input_type and the 96-text limit; Titan one input per call', () => {
    expect(embeddingFamily('amazon.titan-embed-text-v2:0')).toBe('titan-v2');
    expect(embeddingBody({ model: 'm', input: 'hi', dimensions: 512, normalize: false }, 'titan-v2')).toEqual({ inputText: 'hi', dimensions: 512, normalize: false });
    expect(() => embeddingBody({ model: 'm', input: 'hi', dimensions: 100 }, 'titan-v2')).toThrowError(/256, 512, 1024/);
    expect(() => embeddingBody({ model: 'm', input: ['a', 'b'] }, 'titan-v1')).toThrowError(/one input per request/);
    expect(embeddingBody({ model: 'm', input: ['a', 'b'], input_type: 'search_query' }, 'cohere-v3')).toEqual({ texts: ['a', 'b'], input_type: 'search_query' });
    expect(embeddingBody({ model: 'm', input: ['a'], dimensions: 256 }, 'cohere-v4')).toEqual({ texts: ['a'], input_type: 'search_document', output_dimension: 256 });
    expect(() => embeddingBody({ model: 'm', input: Array(97).fill('x') }, 'cohere-v3')).toThrowError(/at most 96/);
  });

  it('rerank: agent-runtime /rerank, a foundation-model ARN, TEXT or JSON sources', () => {
    const base = { id: 'r', modelName: 'rerank', provider: 'bedrock', providerModel: 'cohere.rerank-v3-5:0', modelInfo: {}, stats: {} as never };
    const params = { model: 'bedrock/cohere.rerank-v3-5:0', api_key: 'ABSKkey', aws_region_name: 'us-west-2' };
    const d = { ...base, params, prepared: bedrockAdapter.prepare({ ...base, params }, { logger: null as never, dropParams: false }) };
    const req = buildBedrockRerankRequest({ model: 'rerank', query: 'capital?', documents: ['Paris', { title: 'Rome', body: 'Italy' }], top_n: 1 }, d);
    expect(req.url).toBe('https://bedrock-agent-runtime.us-west-2.amazonaws.com/rerank');
    expect(req.headers.authorization).toBe('Bearer ABSKkey');
    expect(JSON.parse(req.body as string)).toEqual({
      queries: [{ type: 'TEXT', textQuery: { text: 'capital?' } }],
      sources: [
        { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'Paris' } } },
        { type: 'INLINE', inlineDocumentSource: { type: 'JSON', jsonDocument: { title: 'Rome', body: 'Italy' } } },
      ],
      rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { numberOfResults: 1, modelConfiguration: { modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0' } } },
    });
    const withFields = buildBedrockRerankRequest({ model: 'rerank', query: 'q', documents: [{ title: 'Rome', body: 'Italy' }], rank_fields: ['body'] }, d);
    expect(JSON.parse(withFields.body as string).sources[0].inlineDocumentSource).toEqual({ type: 'TEXT', textDocument: { text: 'Italy' } });
    expect(() => buildBedrockRerankRequest({ model: 'rerank', query: 'q', documents: ['a'], max_tokens_per_doc: 10 }, d)).toThrowError(/max_tokens_per_doc/);
  });
});

describe('deployment params', () => {
  const start = (params: Record<string, unknown>) => startGateway([{ model_name: 'b', params: { model: 'bedrock/amazon.nova-pro-v1:0', api_key: 'ABSKkey', ...params } }]);

  it('every key the adapter reads is declared: typos and bad values fail start-up naming the path', async () => {
    await expect(start({ aws_regoin_name: 'us-east-1' })).rejects.toThrowError(/params\.aws_regoin_name: is not a known key \(did you mean `aws_region_name`\?\)/);
    await expect(start({ aws_region_name: 'nowhere' })).rejects.toThrowError(/params\.aws_region_name.*AWS region/);
    await expect(start({ aws_bedrock_runtime_endpoint: 'bedrock.local' })).rejects.toThrowError(/aws_bedrock_runtime_endpoint.*http\(s\) URL/);
    const g = await start({ aws_region_name: 'eu-west-1', guardrailConfig: { guardrailIdentifier: 'g', guardrailVersion: '1' } });
    await g.close();
  });
});
