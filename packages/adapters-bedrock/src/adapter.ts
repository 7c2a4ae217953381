import type { ChatCompletionRequest, EmbeddingRequest, PreparedDeployment, ProviderAdapter, UpstreamRequest } from '@tollgate/core';
import { BadRequestError } from '@tollgate/core';
import { authSecrets, resolveAuth, resolveRegion, sigv4Authorizer } from './auth.js';
import { embeddingBody, embeddingFamily, parseEmbeddings } from './embeddings.js';
import { mapBedrockError } from './errors.js';
import { decodeEventStream } from './eventstream.js';
import { encodeModelId, parseModel } from './model.js';
import { buildConverseBody } from './request.js';
import { converseToOpenAI } from './response.js';
import { stateOf, type BedrockState } from './state.js';
import { ConverseStreamParser } from './stream.js';
import { jsonModeOf } from './tools.js';
import type { ConverseRequest } from './types.js';

const trimSlash = (s: string): string => s.replace(/\/+$/, '');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converse fields a deployment may set for every request (LiteLLM passes these litellm_params through). */
function defaultsOf(p: Record<string, unknown>): Partial<ConverseRequest> {
  const out: Partial<ConverseRequest> = {};
  for (const k of ['additionalModelRequestFields', 'guardrailConfig', 'performanceConfig', 'requestMetadata'] as const) {
    if (isObject(p[k])) (out as Record<string, unknown>)[k] = p[k];
  }
  return out;
}

export const bedrockAdapter: ProviderAdapter = {
  providers: ['bedrock', 'bedrock_converse'],

  prepare(d, envp): PreparedDeployment {
    const p = d.params;
    const model = parseModel(d.providerModel);
    const auth = resolveAuth(p);
    const region = resolveRegion(p, model.arnRegion);
    const endpoint = (p.aws_bedrock_runtime_endpoint as string | undefined) ?? p.api_base ?? process.env.AWS_BEDROCK_RUNTIME_ENDPOINT ?? `https://bedrock-runtime.${region}.amazonaws.com`;
    const base = trimSlash(endpoint);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (auth.kind === 'bearer') headers.authorization = `Bearer ${auth.apiKey}`;
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = v;
    const secrets = authSecrets(auth);
    const state: BedrockState = {
      model,
      region,
      modelUrl: `${base}/model/${encodeModelId(model.id)}`,
      // LiteLLM derives the agent-runtime host the same way (litellm/llms/bedrock/rerank/handler.py).
      agentBase: base.replace('bedrock-runtime', 'bedrock-agent-runtime'),
      dropParams: envp.dropParams,
      secrets,
      defaults: defaultsOf(p),
      embedding: embeddingFamily(model.base),
    };
    return {
      baseUrl: base,
      headers,
      wireFormat: 'bedrock-converse',
      framing: decodeEventStream,
      authorize: auth.kind === 'sigv4' ? sigv4Authorizer(auth, region) : undefined,
      secrets,
      state,
    };
  },

  chat: {
    buildRequest(request: ChatCompletionRequest, d, ctx): UpstreamRequest {
      const s = stateOf(d);
      const { body } = buildConverseBody(request, { family: s.model.family, dropParams: s.dropParams, defaults: s.defaults }, ctx);
      const headers = request.stream ? { ...d.prepared.headers, accept: 'application/vnd.amazon.eventstream' } : { ...d.prepared.headers };
      return { method: 'POST', url: `${s.modelUrl}/${request.stream ? 'converse-stream' : 'converse'}`, headers, body: JSON.stringify(body) };
    },

    parseResponse(body, d, ctx) {
      return converseToOpenAI(body, { id: `chatcmpl-${ctx.id}`, model: stateOf(d).model.id, jsonMode: jsonModeOf(ctx.chatRequest) });
    },

    createStreamParser(d, ctx) {
      const s = stateOf(d);
      return new ConverseStreamParser({ id: `chatcmpl-${ctx.id}`, model: s.model.id, jsonMode: jsonModeOf(ctx.chatRequest), secrets: s.secrets });
    },
  },

  embeddings: {
    buildRequest(request: EmbeddingRequest, d): UpstreamRequest {
      const s = stateOf(d);
      if (!s.embedding) throw new BadRequestError(`${s.model.id} is not an embedding model this adapter knows (Titan text embeddings v1/v2, Cohere embed).`, { param: 'model' });
      return { method: 'POST', url: `${s.modelUrl}/invoke`, headers: { ...d.prepared.headers }, body: JSON.stringify(embeddingBody(request, s.embedding)) };
    },
    parseResponse(body, d, ctx) {
      const s = stateOf(d);
      return parseEmbeddings(body, ctx.request as EmbeddingRequest, s.embedding!, s.model.id);
    },
  },

  mapError(info, d) {
    return mapBedrockError(info, stateOf(d).secrets);
  },
};
