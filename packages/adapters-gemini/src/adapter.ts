import {
  BadRequestError,
  ConfigError,
  type ChatCompletionRequest,
  type Deployment,
  type EmbeddingRequest,
  type PrepareEnv,
  type PreparedDeployment,
  type ProviderAdapter,
  type UpstreamRequest,
} from '@tollgate/core';
import { parseStudioEmbeddings, parseVertexEmbeddings, studioEmbeddingBody, vertexEmbeddingBody } from './embeddings.js';
import { mapGoogleError } from './errors.js';
import { buildGenerateContent, compileChatParams, type ChatParams } from './request.js';
import { parseGenerateContent } from './response.js';
import { createGeminiStreamParser } from './stream.js';
import { loadServiceAccount, vertexAuthorizer } from './vertex-auth.js';
import { claude, isClaudeModel, type ClaudeState } from './vertex-claude.js';

export const STUDIO_BASE = 'https://generativelanguage.googleapis.com';

interface State {
  kind: 'studio' | 'vertex';
  /** "Gemini" or "Vertex AI", for messages. */
  label: string;
  /** Everything up to the method: ".../models/gemini-2.5-flash". */
  modelUrl: string;
  model: string;
  chat: ChatParams;
  /** Values never echoed in an error message. */
  secrets: string[];
  /** Set for Anthropic models on Vertex AI (`:rawPredict`). */
  claude: ClaudeState | null;
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '');
const env = (...names: string[]): string | undefined => {
  for (const n of names) if (process.env[n]) return process.env[n];
  return undefined;
};

/** Keep model ids readable in the path ("claude-sonnet-4@20250514") but never let one add a path segment. */
const segment = (s: string): string => encodeURIComponent(s).replace(/%40/g, '@');

function prepareStudio(d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): PreparedDeployment<State> {
  const key = d.params.api_key ?? env('GEMINI_API_KEY', 'GOOGLE_API_KEY');
  if (!key) throw new ConfigError('no API key for Gemini: set params.api_key or the GEMINI_API_KEY (or GOOGLE_API_KEY) environment variable.');
  let root = trimSlash(d.params.api_base ?? env('GEMINI_API_BASE') ?? STUDIO_BASE);
  // api_base may be the host or already include the version.
  if (!/\/v1(alpha|beta)?$/.test(root)) root += '/v1beta';
  const model = d.providerModel.replace(/^models\//, '');
  const state: State = {
    kind: 'studio',
    label: 'Gemini',
    modelUrl: `${root}/models/${segment(model)}`,
    model,
    chat: { params: compileChatParams(envp.dropParams, 'Gemini'), dropParams: envp.dropParams, provider: 'Gemini' },
    secrets: [key],
    claude: null,
  };
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-goog-api-key': key, ...(d.params.headers ?? {}) };
  return { baseUrl: root, headers, wireFormat: 'gemini', framing: 'sse', state, secrets: [key] };
}

function prepareVertex(d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): PreparedDeployment<State> {
  const p = d.params;
  const sa = loadServiceAccount(p.vertex_credentials);
  const project = (p.vertex_project as string | undefined) ?? env('VERTEXAI_PROJECT', 'VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT') ?? sa.project_id;
  if (!project) throw new ConfigError('Vertex AI needs a project: set params.vertex_project (or VERTEXAI_PROJECT).');
  const location = (p.vertex_location as string | undefined) ?? env('VERTEXAI_LOCATION', 'VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION') ?? 'us-central1';
  const version = d.provider === 'vertex_ai_beta' ? 'v1beta1' : 'v1';
  // The global endpoint has no region prefix in its host.
  let root = trimSlash(p.api_base ?? (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`));
  if (!/\/v1(beta1)?$/.test(root)) root += `/${version}`;
  const model = d.providerModel;
  const scope = `${root}/projects/${segment(project)}/locations/${segment(location)}`;
  const isClaude = isClaudeModel(model);
  // A numeric id is a tuned model behind an endpoint; everything else is a publisher model.
  const modelUrl = /^\d+$/.test(model)
    ? `${scope}/endpoints/${model}`
    : `${scope}/publishers/${isClaude ? 'anthropic' : 'google'}/models/${segment(model)}`;
  const state: State = {
    kind: 'vertex',
    label: 'Vertex AI',
    modelUrl,
    model,
    chat: { params: compileChatParams(envp.dropParams, 'Vertex AI'), dropParams: envp.dropParams, provider: 'Vertex AI' },
    secrets: [],
    claude: isClaude ? claude.prepare(d, envp) : null,
  };
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...(p.headers ?? {}) };
  const authorize = vertexAuthorizer(sa, { tokenUrl: p.vertex_token_url as string | undefined });
  return { baseUrl: root, headers, wireFormat: isClaude ? 'anthropic' : 'gemini', framing: 'sse', authorize, state };
}

const stateOf = (d: Deployment<State>): State => d.prepared.state;

export const geminiAdapter: ProviderAdapter<State> = {
  providers: ['gemini', 'vertex_ai', 'vertex_ai_beta'],

  paramKeys: {
    vertex_project: { type: 'string' },
    vertex_location: { type: 'string' },
    vertex_credentials: { anyOf: [{ type: 'string' }, { type: 'object' }], 'x-message': 'must be a path, a JSON string or an object' },
    vertex_token_url: { type: 'string' },
  },

  prepare(d, envp) {
    return d.provider === 'gemini' ? prepareStudio(d, envp) : prepareVertex(d, envp);
  },

  operations: {
  chat: {
    buildRequest(request: ChatCompletionRequest, d, ctx): UpstreamRequest {
      const s = stateOf(d);
      if (s.claude) return claude.buildRequest(request, s.claude, s.modelUrl, d, ctx);
      const body = buildGenerateContent(request, s.chat, ctx, s.model);
      const url = request.stream ? `${s.modelUrl}:streamGenerateContent?alt=sse` : `${s.modelUrl}:generateContent`;
      return { method: 'POST', url, headers: d.prepared.headers, body: JSON.stringify(body) };
    },

    parseResponse(body, d, ctx) {
      const s = stateOf(d);
      if (s.claude) return claude.parseResponse(body, s.claude, ctx);
      return parseGenerateContent(body, s.model, ctx.id);
    },

    createStreamParser(d, ctx) {
      const s = stateOf(d);
      if (s.claude) return claude.createStreamParser(s.claude, ctx);
      return createGeminiStreamParser(s.model, ctx.id, (error) =>
        mapGoogleError({ status: 200, headers: {}, body: JSON.stringify({ error }) }, s.label, s.secrets));
    },
  },

  embeddings: {
    buildRequest(request: EmbeddingRequest, d): UpstreamRequest {
      const s = stateOf(d);
      if (s.claude) throw new BadRequestError(`${d.providerModel} does not serve embeddings.`, { param: 'model' });
      if (s.kind === 'vertex') {
        return { method: 'POST', url: `${s.modelUrl}:predict`, headers: d.prepared.headers, body: JSON.stringify(vertexEmbeddingBody(request)) };
      }
      const { method, body } = studioEmbeddingBody(request, s.model);
      return { method: 'POST', url: `${s.modelUrl}:${method}`, headers: d.prepared.headers, body: JSON.stringify(body) };
    },
    parseResponse(body, d, ctx) {
      const s = stateOf(d);
      const request = ctx.request as EmbeddingRequest;
      return s.kind === 'vertex' ? parseVertexEmbeddings(body, request, s.model) : parseStudioEmbeddings(body, request, s.model);
    },
  },
  },

  mapError(info, d) {
    const s = stateOf(d);
    if (s.claude) return claude.mapError(info, s.label);
    return mapGoogleError(info, s.label, s.secrets);
  },
};
