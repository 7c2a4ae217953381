import { ConfigError, type EmbeddingRequest, type ProviderAdapter } from '@tollgate/core';
import { buildCohereEmbedBody, cohereEmbedParams, parseCohereEmbedResponse } from './embed.js';
import { mapCohereError } from './errors.js';
import { buildCohereChatBody, cohereChatParams } from './request.js';
import { buildCohereRerankRequest, cohereRerankParams, parseCohereRerankResponse } from './rerank.js';
import { cohereToOpenAI } from './response.js';
import type { CohereState } from './state.js';
import { CohereStreamParser } from './stream.js';

export const DEFAULT_API_BASE = 'https://api.cohere.com';

function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

/**
 * The API root from a configured base: a bare origin, `.../v1` or `.../v2`, or a full endpoint URL
 * (`.../v2/chat`, `.../v1/rerank`), as LiteLLM configs give it.
 */
export function cohereRoot(base: string): string {
  return base.replace(/\/+$/, '').replace(/\/v[12](\/(chat|embed|rerank|generate))?$/, '');
}

/**
 * Cohere's v2 API under LiteLLM's provider ids `cohere` and `cohere_chat`. Key: `api_key`, else
 * COHERE_API_KEY, else CO_API_KEY; base: `api_base`, else COHERE_API_BASE, else api.cohere.com (the
 * order LiteLLM's main.py reads them).
 */
export const cohereAdapter: ProviderAdapter<CohereState> = {
  providers: ['cohere', 'cohere_chat'],

  paramKeys: {
    /** The embed `input_type` when a request gives none (LiteLLM passes it through litellm_params). */
    input_type: { enum: ['search_document', 'search_query', 'classification', 'clustering', 'image'] },
  },

  prepare(d, envp) {
    if (d.providerModel.startsWith('v1/')) {
      throw new ConfigError(`${d.modelName}: Cohere's v1 API is not supported; use the v2 model id (drop the "v1/" prefix).`);
    }
    const key = d.params.api_key ?? env('COHERE_API_KEY') ?? env('CO_API_KEY');
    if (!key) throw new ConfigError('no API key for Cohere: set params.api_key or the COHERE_API_KEY (or CO_API_KEY) environment variable.');
    const root = cohereRoot(d.params.api_base ?? env('COHERE_API_BASE') ?? DEFAULT_API_BASE);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` };
    for (const [k, v] of Object.entries(d.params.headers ?? {})) headers[k.toLowerCase()] = v;
    const dropParams = d.params.drop_params ?? envp.dropParams;
    const allowed = d.params.allowed_client_params as string[] | undefined;
    const state: CohereState = {
      model: d.providerModel.replace(/^v2\//, ''),
      chatUrl: `${root}/v2/chat`,
      embedUrl: `${root}/v2/embed`,
      rerankUrl: `${root}/v2/rerank`,
      dropParams,
      inputType: typeof d.params.input_type === 'string' ? d.params.input_type : undefined,
      chatParams: cohereChatParams(dropParams, allowed),
      embedParams: cohereEmbedParams(allowed),
      rerankParams: cohereRerankParams(allowed),
    };
    return { baseUrl: root, headers, wireFormat: 'cohere', framing: 'sse', state, secrets: [key] };
  },

  operations: {
    chat: {
      buildRequest(request, d, ctx) {
        const s = d.prepared.state;
        const body = buildCohereChatBody(request, { model: s.model, dropParams: s.dropParams, params: s.chatParams }, ctx);
        const headers = request.stream ? { ...d.prepared.headers, accept: 'text/event-stream' } : d.prepared.headers;
        return { method: 'POST', url: s.chatUrl, headers, body: JSON.stringify(body) };
      },
      parseResponse: (body, d) => cohereToOpenAI(body, d.prepared.state.model),
      createStreamParser: (d) => new CohereStreamParser({ model: d.prepared.state.model }),
    },

    embeddings: {
      buildRequest(request, d, ctx) {
        const s = d.prepared.state;
        return { method: 'POST', url: s.embedUrl, headers: d.prepared.headers, body: JSON.stringify(buildCohereEmbedBody(request, s.model, s.inputType, ctx, s.embedParams)) };
      },
      parseResponse: (body, d, ctx) => parseCohereEmbedResponse(body, d.prepared.state.model, (ctx.request as EmbeddingRequest).encoding_format),
    },

    rerank: {
      buildRequest: (request, d, ctx) => buildCohereRerankRequest(request, d, ctx),
      parseResponse: (body, _d, ctx) => parseCohereRerankResponse(body, ctx.request),
    },
  },

  mapError(info) {
    return mapCohereError(info);
  },
};
