import {
  parseOpenAIChatResponse,
  parseOpenAIChunk,
  parseOpenAIEmbeddingResponse,
  ApiError,
  errorFromStatus,
  adapterPlugin,
  type ProviderAdapter,
} from '@tollgate/core';
import { MockTransport, mockSettings } from './mock.js';

export { MockTransport, mockSettings, MAX_EMBEDDING_DIMENSIONS, type MockSettings, type MockFault } from './mock.js';

/**
 * Provider `mock/<anything>`: deterministic answers with no network, served through an
 * in-process transport that produces the bytes of an OpenAI-format upstream.
 */
export const mockAdapter: ProviderAdapter = {
  providers: ['mock'],
  prepare(d) {
    const settings = mockSettings(d.params);
    return {
      baseUrl: 'mock://local',
      headers: { 'content-type': 'application/json' },
      wireFormat: 'openai',
      framing: 'sse',
      transport: new MockTransport(settings, d.providerModel),
    };
  },
  chat: {
    buildRequest(request, d) {
      // Like every adapter, ask the upstream for usage on streams; the core strips it if the client did not ask.
      const body = request.stream ? { ...request, model: d.providerModel, stream_options: { ...request.stream_options, include_usage: true } } : { ...request, model: d.providerModel };
      return { method: 'POST', url: 'mock://local/chat/completions', headers: d.prepared.headers, body: JSON.stringify(body) };
    },
    parseResponse: parseOpenAIChatResponse,
    createStreamParser() {
      const onError = (e: unknown) => new ApiError(`mock: ${(e as { message?: string }).message ?? 'stream error'}`, { status: 502 });
      return { event: (ev) => parseOpenAIChunk(ev, onError) };
    },
  },
  embeddings: {
    buildRequest(request, d) {
      return { method: 'POST', url: 'mock://local/embeddings', headers: d.prepared.headers, body: JSON.stringify({ ...request, model: d.providerModel }) };
    },
    parseResponse: parseOpenAIEmbeddingResponse,
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
