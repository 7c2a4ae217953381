import { BadRequestError, type ChatCompletionRequest, type EmbeddingRequest, type PreparedDeployment, type ProviderAdapter, type UpstreamRequest } from '@tollgate/core';
import { authSecrets, resolveAuth, resolveRegion, sigv4Authorizer, type BedrockAuth } from './auth.js';
import { embeddingBody, embeddingFamily, parseEmbeddings } from './embeddings.js';
import { mapBedrockError } from './errors.js';
import { EventStreamDecoder } from './eventstream.js';
import { encodeModelId, parseModel } from './model.js';
import { BEDROCK_PARAM_KEYS } from './param-keys.js';
import { buildConverseBody, converseParams } from './request.js';
import { buildBedrockRerankRequest, parseBedrockRerankResponse } from './rerank.js';
import { converseToOpenAI } from './response.js';
import type { BedrockState } from './state.js';
import { ConverseStreamParser } from './stream.js';
import { assumeRoleAuthorizer } from './sts.js';
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

/** Signing for AWS keys (the deployment's own, or a role's assumed with them); API keys are a static header. */
function authorizerFor(auth: BedrockAuth, region: string, secrets: string[]): PreparedDeployment['authorize'] {
  if (auth.kind === 'sigv4') return sigv4Authorizer(auth, region);
  if (auth.kind === 'assume-role') return assumeRoleAuthorizer(auth.base, auth.role, region, secrets);
  return undefined;
}

export const bedrockAdapter: ProviderAdapter<BedrockState> = {
  providers: ['bedrock', 'bedrock_converse'],
  paramKeys: BEDROCK_PARAM_KEYS,

  prepare(d, envp) {
    const p = d.params;
    const model = parseModel(d.providerModel);
    const region = resolveRegion(p, model.arnRegion);
    const auth = resolveAuth(p, region);
    const endpoint = (p.aws_bedrock_runtime_endpoint as string | undefined) ?? p.api_base ?? process.env.AWS_BEDROCK_RUNTIME_ENDPOINT ?? `https://bedrock-runtime.${region}.amazonaws.com`;
    const base = trimSlash(endpoint);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (auth.kind === 'bearer') headers.authorization = `Bearer ${auth.apiKey}`;
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = v;
    const dropParams = p.drop_params ?? envp.dropParams;
    const secrets = authSecrets(auth);
    const state: BedrockState = {
      model,
      region,
      modelUrl: `${base}/model/${encodeModelId(model.id)}`,
      // LiteLLM derives the agent-runtime host the same way (litellm/llms/bedrock/rerank/handler.py).
      agentBase: base.replace('bedrock-runtime', 'bedrock-agent-runtime'),
      dropParams,
      params: converseParams(dropParams, p.allowed_client_params as string[] | undefined),
      defaults: defaultsOf(p),
      embedding: embeddingFamily(model.base),
    };
    return {
      baseUrl: base,
      headers,
      wireFormat: 'bedrock-converse',
      framing: () => new EventStreamDecoder(),
      authorize: authorizerFor(auth, region, secrets),
      secrets,
      state,
    };
  },

  operations: {
    chat: {
      buildRequest(request: ChatCompletionRequest, d, ctx): UpstreamRequest {
        const s = d.prepared.state;
        const { body } = buildConverseBody(request, { family: s.model.family, dropParams: s.dropParams, defaults: s.defaults, params: s.params }, ctx);
        const headers = request.stream ? { ...d.prepared.headers, accept: 'application/vnd.amazon.eventstream' } : { ...d.prepared.headers };
        return { method: 'POST', url: `${s.modelUrl}/${request.stream ? 'converse-stream' : 'converse'}`, headers, body: JSON.stringify(body) };
      },
      parseResponse(body, d, ctx) {
        return converseToOpenAI(body, { id: `chatcmpl-${ctx.id}`, model: d.prepared.state.model.id, jsonMode: jsonModeOf(ctx.chatRequest) });
      },
      createStreamParser(d, ctx) {
        return new ConverseStreamParser({ id: `chatcmpl-${ctx.id}`, model: d.prepared.state.model.id, jsonMode: jsonModeOf(ctx.chatRequest) });
      },
    },

    embeddings: {
      buildRequest(request, d): UpstreamRequest {
        const s = d.prepared.state;
        if (!s.embedding) throw new BadRequestError(`${s.model.id} is not an embedding model this adapter knows (Titan text embeddings v1/v2, Cohere embed).`, { param: 'model' });
        return { method: 'POST', url: `${s.modelUrl}/invoke`, headers: { ...d.prepared.headers }, body: JSON.stringify(embeddingBody(request, s.embedding)) };
      },
      parseResponse(body, d, ctx) {
        const s = d.prepared.state;
        return parseEmbeddings(body, ctx.request as EmbeddingRequest, s.embedding!, s.model.id);
      },
    },

    rerank: {
      wireFormat: 'bedrock-agent-runtime',
      buildRequest: (request, d) => buildBedrockRerankRequest(request, d),
      parseResponse: (body, _d, ctx) => parseBedrockRerankResponse(body, ctx.request),
    },
  },

  mapError(info) {
    return mapBedrockError(info);
  },
};
