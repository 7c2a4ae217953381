import {
  compileParamTable,
  parseOpenAIChatResponse,
  parseOpenAIChunk,
  parseOpenAICompletion,
  parseOpenAICompletionChunk,
  parseOpenAIEmbeddingResponse,
  parseOpenAIModerationResponse,
  ConfigError,
  GatewayError,
  type ChatCompletionRequest,
  type ChatMessage,
  type CompiledParams,
  type Deployment,
  type ParamTable,
  type PrepareEnv,
  type PreparedDeployment,
  type ProviderAdapter,
  type UpstreamRequest,
} from '@tollgate/core';
import { mapOpenAIError, mapOpenAIStreamError } from './errors.js';
import { HOST_ALIASES, OPENAI_COMPATIBLE_HOSTS, type OpenAICompatibleHost } from './hosts.js';
import { entraAuthorizer } from './entra.js';

interface State {
  chatUrl: string;
  embeddingsUrl: string;
  completionsUrl: string;
  moderationsUrl: string;
  chatParams: CompiledParams;
  completionParams: CompiledParams;
  embeddingParams: CompiledParams;
  /** Ask the upstream for a usage chunk on streams (stream_options.include_usage). */
  askUsage: boolean;
  embeddings: boolean;
  label: string;
}

const OPENAI: OpenAICompatibleHost = {
  id: 'openai',
  name: 'OpenAI',
  baseUrl: 'https://api.openai.com/v1',
  apiKeyEnv: 'OPENAI_API_KEY',
  apiBaseEnv: 'OPENAI_BASE_URL',
  embeddings: true,
  source: 'https://platform.openai.com/docs/api-reference',
};

const HOSTS = new Map<string, OpenAICompatibleHost>(OPENAI_COMPATIBLE_HOSTS.map((h) => [h.id, h]));
HOSTS.set('openai', OPENAI);

/** Params the canonical request may carry that no OpenAI-format host knows (Anthropic-style extras). */
const NON_OPENAI: ParamTable = {
  thinking: { unsupported: true },
  top_k: { unsupported: true },
};

/** Params Tollgate handles itself and never forwards as given. */
const SKIP = new Set(['model', 'messages', 'stream_options']);
const SKIP_COMPLETION = new Set(['model', 'stream_options']);
const SKIP_EMBEDDING = new Set(['model', 'input_type']);

const COMPLETION_PARAMS: ReadonlySet<string> = new Set([
  'model', 'prompt', 'suffix', 'stream', 'stream_options', 'max_tokens', 'temperature', 'top_p', 'n', 'best_of', 'logprobs', 'echo',
  'stop', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'seed', 'user',
]);
const EMBEDDING_PARAMS: ReadonlySet<string> = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

/** Per-deployment param tables: the deployment's `allowed_client_params` may forward more client fields. */
function paramTables(table: ParamTable, d: Omit<Deployment, 'prepared'>, envp: PrepareEnv, provider: string): Pick<State, 'chatParams' | 'completionParams' | 'embeddingParams'> {
  const allowed = d.params.allowed_client_params as string[] | undefined;
  const o = { dropParams: envp.dropParams, provider, allowed };
  return {
    chatParams: compileParamTable(table, o),
    completionParams: compileParamTable({}, { ...o, known: COMPLETION_PARAMS }),
    embeddingParams: compileParamTable({}, { ...o, known: EMBEDDING_PARAMS }),
  };
}

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.replace(/\/+$/, '') : s;
}

function env(name: string | undefined): string | undefined {
  return name ? process.env[name] || undefined : undefined;
}

function tableFor(host: OpenAICompatibleHost): ParamTable {
  const table: Record<string, { unsupported?: boolean; to?: string }> = { ...NON_OPENAI };
  for (const p of host.unsupportedParams ?? []) table[p] = { unsupported: true };
  for (const [from, to] of Object.entries(host.renamedParams ?? {})) table[from] = { to };
  // Local OpenAI-compatible servers (vLLM, LM Studio, Ollama) accept top_k.
  if (host.requiresKey === false) delete table.top_k;
  return table;
}

function prepareHost(host: OpenAICompatibleHost, d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): PreparedDeployment<State> {
  const base = d.params.api_base ?? env(host.apiBaseEnv) ?? (host.id === 'openai' ? env('OPENAI_API_BASE') : undefined) ?? host.baseUrl;
  if (!base) throw new ConfigError(`${host.name} needs params.api_base${host.apiBaseEnv ? ` (or ${host.apiBaseEnv})` : ''}.`);
  const key = d.params.api_key ?? env(host.apiKeyEnv);
  if (!key && host.requiresKey !== false) {
    throw new ConfigError(`no API key for ${host.name}: set params.api_key${host.apiKeyEnv ? ` or the ${host.apiKeyEnv} environment variable` : ''}.`);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...(host.headers ?? {}) };
  if (key) {
    const auth = host.auth ?? { header: 'authorization', scheme: 'Bearer' };
    headers[auth.header.toLowerCase()] = auth.scheme ? `${auth.scheme} ${key}` : key;
  }
  if (d.params.organization) headers['openai-organization'] = d.params.organization;
  Object.assign(headers, d.params.headers ?? {});
  let root = trimSlash(base);
  if (host.versionPath && !root.endsWith(host.versionPath)) root += host.versionPath;
  const state: State = {
    chatUrl: `${root}/chat/completions`,
    embeddingsUrl: `${root}/embeddings`,
    completionsUrl: `${root}/completions`,
    moderationsUrl: `${root}/moderations`,
    ...paramTables(tableFor(host), d, envp, host.name),
    askUsage: !(host.unsupportedParams ?? []).includes('stream_options'),
    embeddings: host.embeddings !== false,
    label: host.id,
  };
  return { baseUrl: root, headers, wireFormat: 'openai', framing: 'sse', state, secrets: key ? [key] : [] };
}

function prepareAzure(d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): PreparedDeployment<State> {
  const p = d.params;
  const base = p.api_base ?? env('AZURE_API_BASE') ?? env('AZURE_OPENAI_ENDPOINT');
  if (!base) throw new ConfigError('Azure OpenAI needs params.api_base (https://<resource>.openai.azure.com) or AZURE_API_BASE.');
  const version = p.api_version ?? env('AZURE_API_VERSION') ?? env('OPENAI_API_VERSION') ?? '2024-10-21';
  const root = trimSlash(base).replace(/\/openai$/, '');
  const deployment = encodeURIComponent(d.providerModel);
  const q = `?api-version=${encodeURIComponent(version)}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  let authorize: PreparedDeployment['authorize'];
  const key = p.api_key ?? env('AZURE_API_KEY') ?? env('AZURE_OPENAI_API_KEY');
  const adToken = (p.azure_ad_token as string | undefined) ?? env('AZURE_AD_TOKEN');
  const tenant = (p.tenant_id as string | undefined) ?? env('AZURE_TENANT_ID');
  const clientId = (p.client_id as string | undefined) ?? env('AZURE_CLIENT_ID');
  const clientSecret = (p.client_secret as string | undefined) ?? env('AZURE_CLIENT_SECRET');
  if (key) headers['api-key'] = key;
  else if (adToken) headers.authorization = `Bearer ${adToken}`;
  else if (tenant && clientId && clientSecret) {
    authorize = entraAuthorizer({
      tenantId: tenant,
      clientId,
      clientSecret,
      tokenUrl: p.azure_token_url as string | undefined,
      authorityHost: (p.azure_authority_host as string | undefined) ?? env('AZURE_AUTHORITY_HOST'),
    });
  } else {
    throw new ConfigError('no credentials for Azure OpenAI: set params.api_key (or AZURE_API_KEY), azure_ad_token, or tenant_id + client_id + client_secret for Entra ID.');
  }
  Object.assign(headers, p.headers ?? {});
  const state: State = {
    chatUrl: `${root}/openai/deployments/${deployment}/chat/completions${q}`,
    embeddingsUrl: `${root}/openai/deployments/${deployment}/embeddings${q}`,
    completionsUrl: `${root}/openai/deployments/${deployment}/completions${q}`,
    moderationsUrl: '',
    ...paramTables(NON_OPENAI, d, envp, 'Azure OpenAI'),
    askUsage: true,
    embeddings: true,
    label: 'azure',
  };
  const secrets = [key, adToken, clientSecret].filter((x): x is string => !!x);
  return { baseUrl: root, headers, wireFormat: 'openai', framing: 'sse', authorize, state, secrets };
}

/** Remove fields only other providers understand (reasoning blocks, cache markers) — copying only when present. */
export function cleanMessages(messages: ChatMessage[]): ChatMessage[] {
  let out: ChatMessage[] | null = null;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as ChatMessage & { reasoning_content?: unknown; thinking_blocks?: unknown };
    let clean: ChatMessage = m;
    if (m.role === 'assistant' && (m.reasoning_content !== undefined || m.thinking_blocks !== undefined)) {
      const { reasoning_content: _r, thinking_blocks: _t, ...rest } = m;
      clean = rest as ChatMessage;
    }
    if (Array.isArray(clean.content) && clean.content.some((p) => 'cache_control' in p)) {
      clean = { ...clean, content: clean.content.map((p) => { if (!('cache_control' in p)) return p; const { cache_control: _c, ...rest } = p; return rest; }) } as ChatMessage;
    }
    if (clean !== m) {
      out ??= messages.slice(0, i);
    }
    if (out) out.push(clean);
  }
  return out ?? messages;
}

/** Ask an OpenAI-format upstream for a usage event on streams (the core strips it if the client did not ask). */
function streamOptions(request: { stream?: boolean | null; stream_options?: unknown }, s: State): Record<string, unknown> | undefined {
  if (!request.stream) return undefined;
  if (s.askUsage) return { ...((request.stream_options as object | null) ?? {}), include_usage: true };
  return (request.stream_options as Record<string, unknown> | null) ?? undefined;
}

function post(url: string, d: Deployment, body: Record<string, unknown>): UpstreamRequest {
  return { method: 'POST', url, headers: d.prepared.headers, body: JSON.stringify(body) };
}

export const openaiAdapter: ProviderAdapter<State> = {
  providers: ['openai', 'azure', ...OPENAI_COMPATIBLE_HOSTS.map((h) => h.id), ...Object.keys(HOST_ALIASES)],

  paramKeys: {
    azure_ad_token: { type: 'string' },
    tenant_id: { type: 'string' },
    client_id: { type: 'string' },
    client_secret: { type: 'string' },
    azure_token_url: { type: 'string' },
    azure_authority_host: { type: 'string' },
  },

  prepare(d, envp) {
    if (d.provider === 'azure') return prepareAzure(d, envp);
    const host = HOSTS.get(HOST_ALIASES[d.provider] ?? d.provider);
    if (!host) throw new ConfigError(`unknown OpenAI-compatible provider "${d.provider}".`);
    return prepareHost(host, d, envp);
  },

  operations: {
    chat: {
      buildRequest(request: ChatCompletionRequest, d, ctx): UpstreamRequest {
        const s = d.prepared.state;
        const body: Record<string, unknown> = { model: d.providerModel, messages: cleanMessages(request.messages) };
        s.chatParams.apply(request as Record<string, unknown>, body, ctx, SKIP);
        if (request.tools?.some((t) => 'cache_control' in t)) body.tools = request.tools.map(({ cache_control: _c, ...t }) => t);
        const so = streamOptions(request, s);
        if (so) body.stream_options = so;
        return post(s.chatUrl, d, body);
      },
      parseResponse: parseOpenAIChatResponse,
      createStreamParser(d) {
        const onError = (error: unknown) => mapOpenAIStreamError(error, d.prepared.state.label);
        return { event: (ev) => parseOpenAIChunk(ev, onError) };
      },
    },

    completions: {
      buildRequest(request, d, ctx) {
        const s = d.prepared.state;
        const body: Record<string, unknown> = { model: d.providerModel };
        s.completionParams.apply(request as Record<string, unknown>, body, ctx, SKIP_COMPLETION);
        const so = streamOptions(request, s);
        if (so) body.stream_options = so;
        return post(s.completionsUrl, d, body);
      },
      parseResponse: parseOpenAICompletion,
      createStreamParser(d) {
        const onError = (error: unknown) => mapOpenAIStreamError(error, d.prepared.state.label);
        return { event: (ev) => parseOpenAICompletionChunk(ev, onError) };
      },
    },

    embeddings: {
      buildRequest(request, d, ctx): UpstreamRequest {
        const s = d.prepared.state;
        if (!s.embeddings) throw new GatewayError(400, 'invalid_request_error', `${s.label} does not serve embeddings.`, { param: 'model' });
        const body: Record<string, unknown> = { model: d.providerModel };
        s.embeddingParams.apply(request as Record<string, unknown>, body, ctx, SKIP_EMBEDDING);
        return post(s.embeddingsUrl, d, body);
      },
      parseResponse: parseOpenAIEmbeddingResponse,
    },

    moderations: {
      buildRequest(request, d): UpstreamRequest {
        const s = d.prepared.state;
        if (!s.moderationsUrl) throw new GatewayError(400, 'invalid_request_error', `${s.label} does not serve moderations.`, { param: 'model' });
        return post(s.moderationsUrl, d, { input: request.input, model: d.providerModel });
      },
      parseResponse: parseOpenAIModerationResponse,
    },
  },

  mapError(info, d) {
    return mapOpenAIError(info, d.prepared.state.label);
  },
};
