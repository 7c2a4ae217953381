import {
  parseOpenAIChatResponse,
  parseOpenAIChunk,
  parseOpenAICompletion,
  parseOpenAICompletionChunk,
  parseOpenAIEmbeddingResponse,
  parseOpenAIModerationResponse,
  ApiError,
  errorFromStatus,
  adapterPlugin,
  type Deployment,
  type ProviderAdapter,
  type RerankResponse,
  type UpstreamRequest,
} from '@tollgate/core';
import { MockTransport, mockSettings } from './mock.js';

export { MockTransport, mockSettings, MAX_EMBEDDING_DIMENSIONS, type MockSettings, type MockFault } from './mock.js';

/**
 * Provider `mock/<anything>`: deterministic answers with no network, served through an
 * in-process transport that produces the bytes of an OpenAI-format upstream.
 */
function post(d: Deployment, path: string, body: unknown): UpstreamRequest {
  return { method: 'POST', url: `mock://local${path}`, headers: d.prepared.headers, body: JSON.stringify(body) };
}

const streamError = (e: unknown) => new ApiError(`mock: ${(e as { message?: string }).message ?? 'stream error'}`, { status: 502 });

/** Like every adapter, ask the upstream for usage on streams; the core strips it if the client did not ask. */
function withUsage<T extends { stream?: boolean | null; stream_options?: unknown }>(request: T, model: string): T & { model: string } {
  return request.stream ? { ...request, model, stream_options: { ...(request.stream_options as object), include_usage: true } } : { ...request, model };
}

/** Mock params (see README): read by the mock transport. */
const number = { type: 'number', minimum: 0 };

/**
 * Provider `mock/<anything>`: deterministic answers with no network, served through an
 * in-process transport that produces the bytes of an OpenAI-format upstream.
 */
export const mockAdapter: ProviderAdapter = {
  providers: ['mock'],
  paramKeys: {
    mock_response: { type: 'string' },
    mock_latency_ms: number,
    mock_chunk_delay_ms: number,
    mock_stream_chunks: number,
    mock_tool_calls: { type: 'boolean' },
    mock_usage: { type: 'object' },
    mock_embedding_dimensions: number,
    mock_fault: { type: 'object' },
  },
  prepare(d) {
    const settings = mockSettings(d.params);
    return {
      baseUrl: 'mock://local',
      headers: { 'content-type': 'application/json' },
      wireFormat: 'openai',
      framing: 'sse',
      transport: new MockTransport(settings, d.providerModel),
      state: null,
    };
  },
  operations: {
    chat: {
      buildRequest: (request, d) => post(d, '/chat/completions', withUsage(request, d.providerModel)),
      parseResponse: parseOpenAIChatResponse,
      createStreamParser: () => ({ event: (ev) => parseOpenAIChunk(ev, streamError) }),
    },
    completions: {
      buildRequest: (request, d) => post(d, '/completions', withUsage(request, d.providerModel)),
      parseResponse: parseOpenAICompletion,
      createStreamParser: () => ({ event: (ev) => parseOpenAICompletionChunk(ev, streamError) }),
    },
    embeddings: {
      buildRequest: (request, d) => post(d, '/embeddings', { ...request, model: d.providerModel }),
      parseResponse: parseOpenAIEmbeddingResponse,
    },
    moderations: {
      buildRequest: (request, d) => post(d, '/moderations', { ...request, model: d.providerModel }),
      parseResponse: parseOpenAIModerationResponse,
    },
    rerank: {
      buildRequest: (request, d) => post(d, '/rerank', { ...request, model: d.providerModel }),
      parseResponse: (body) => body as RerankResponse,
    },
  },
  mapError(info) {
    let message = `mock answered HTTP ${info.status}`;
    let param: string | null = null;
    let code: string | null = null;
    try {
      const { error } = JSON.parse(info.body) as { error: { message: string; param?: string | null; code?: string | null } };
      message = `mock: ${error.message}`;
      param = error.param ?? null;
      code = error.code ?? null;
    } catch { /* keep generic */ }
    const ra = info.headers['retry-after'];
    return errorFromStatus(info.status, message, { provider: 'mock', param, code, retryAfter: ra ? Number(ra) : undefined });
  },
};

const plugin = adapterPlugin('@tollgate/adapter-mock', mockAdapter);
export default plugin;
export { plugin as mockPlugin };
