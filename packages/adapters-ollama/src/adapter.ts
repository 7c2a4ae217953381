import type { EmbeddingRequest, ProviderAdapter } from '@tollgate/core';
import { buildOllamaEmbedBody, parseOllamaEmbedResponse } from './embed.js';
import { mapOllamaError } from './errors.js';
import { OLLAMA_PARAM_KEYS } from './param-keys.js';
import { OLLAMA_OPTION_KEYS, buildOllamaChatBody } from './request.js';
import { ollamaToOpenAI } from './response.js';
import type { OllamaState } from './state.js';
import { OllamaStreamParser } from './stream.js';

/** LiteLLM's default api_base for `ollama/` and `ollama_chat/` (litellm/main.py). */
export const DEFAULT_API_BASE = 'http://localhost:11434';

function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

/**
 * A URL from OLLAMA_HOST as Ollama's own client reads it (ollama/ollama envconfig.Host and
 * ConnectableHost): no scheme means http; the default port is 11434, or 80/443 when a scheme is
 * given; "ollama.com" means https://ollama.com:443; bind-all addresses become loopback.
 */
export function ollamaHostUrl(value: string): string {
  const s = value.trim();
  let scheme = 'http';
  let rest = s;
  let port = '11434';
  const sep = s.indexOf('://');
  if (sep === -1) {
    if (s === 'ollama.com') { scheme = 'https'; rest = 'ollama.com:443'; }
  } else {
    scheme = s.slice(0, sep);
    rest = s.slice(sep + 3);
    if (scheme === 'http') port = '80';
    if (scheme === 'https') port = '443';
  }
  const slash = rest.indexOf('/');
  const hostport = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostport);
  let host = m?.[1] || '127.0.0.1';
  if (m?.[2]) port = m[2];
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '[::]' || host === '::') host = '[::1]';
  return `${scheme}://${host}:${port}${path}`.replace(/\/+$/, '');
}

/** The server root from a configured base that may end in `/api`, `/api/chat` or `/api/embed`. */
export function ollamaRoot(base: string): string {
  return base.replace(/\/+$/, '').replace(/\/api(\/(chat|embed|generate))?$/, '');
}

/**
 * Ollama's native API under LiteLLM's provider ids `ollama` and `ollama_chat` (both to /api/chat
 * here). Base: `api_base`, else OLLAMA_API_BASE (what LiteLLM reads), else OLLAMA_HOST (what Ollama's
 * CLI reads), else http://localhost:11434. Key (only ollama.com needs one): `api_key`, else
 * OLLAMA_API_KEY, sent as a Bearer token.
 */
export const ollamaAdapter: ProviderAdapter<OllamaState> = {
  providers: ['ollama', 'ollama_chat'],
  paramKeys: OLLAMA_PARAM_KEYS,

  prepare(d, envp) {
    const host = env('OLLAMA_HOST');
    const root = ollamaRoot(d.params.api_base ?? env('OLLAMA_API_BASE') ?? (host ? ollamaHostUrl(host) : DEFAULT_API_BASE));
    const key = d.params.api_key ?? env('OLLAMA_API_KEY');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    for (const [k, v] of Object.entries(d.params.headers ?? {})) headers[k.toLowerCase()] = v;
    // Ollama option names in the deployment's params (LiteLLM passes them into `options` too); num_ctx may come from model_info.
    const options: Record<string, unknown> = {};
    const numCtx = d.modelInfo.num_ctx;
    if (typeof numCtx === 'number') options.num_ctx = numCtx;
    for (const k of OLLAMA_OPTION_KEYS) if (d.params[k] !== undefined) options[k] = d.params[k];
    // Its type was checked at start-up against OLLAMA_PARAM_KEYS.
    const keepAlive = d.params.keep_alive as string | number | undefined;
    const state: OllamaState = {
      model: d.providerModel,
      chatUrl: `${root}/api/chat`,
      embedUrl: `${root}/api/embed`,
      tagsUrl: `${root}/api/tags`,
      dropParams: d.params.drop_params ?? envp.dropParams,
      options,
      keepAlive,
      allowed: new Set(d.params.allowed_client_params as string[] | undefined),
    };
    return { baseUrl: root, headers, wireFormat: 'ollama', framing: 'ndjson', state, secrets: key ? [key] : [] };
  },

  operations: {
    chat: {
      buildRequest(request, d, ctx) {
        const s = d.prepared.state;
        const body = buildOllamaChatBody(request, { model: s.model, dropParams: s.dropParams, options: s.options, keepAlive: s.keepAlive, allowed: s.allowed }, ctx);
        return { method: 'POST', url: s.chatUrl, headers: d.prepared.headers, body: JSON.stringify(body) };
      },
      parseResponse: (body, d, ctx) => ollamaToOpenAI(body, `chatcmpl-${ctx.id}`, d.prepared.state.model),
      createStreamParser: (d, ctx) => new OllamaStreamParser({ id: `chatcmpl-${ctx.id}`, model: d.prepared.state.model }),
    },

    embeddings: {
      buildRequest(request, d, ctx) {
        const s = d.prepared.state;
        return { method: 'POST', url: s.embedUrl, headers: d.prepared.headers, body: JSON.stringify(buildOllamaEmbedBody(request, { model: s.model, keepAlive: s.keepAlive, allowed: s.allowed }, ctx)) };
      },
      parseResponse: (body, d, ctx) => parseOllamaEmbedResponse(body, d.prepared.state.model, (ctx.request as EmbeddingRequest).encoding_format),
    },
  },

  mapError(info) {
    return mapOllamaError(info);
  },
};
