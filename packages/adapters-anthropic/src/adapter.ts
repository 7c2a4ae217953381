import { ConfigError, type Deployment, type ProviderAdapter, type RequestContext, type UpstreamRequest } from '@tollgate/core';
import { mapAnthropicError } from './errors.js';
import { ANTHROPIC_VERSION, DEFAULT_MAX_TOKENS, buildAnthropicBody, jsonModeOf } from './request.js';
import { anthropicToOpenAI } from './response.js';
import { AnthropicStreamParser } from './stream.js';

export const DEFAULT_API_BASE = 'https://api.anthropic.com';

interface State {
  url: string;
  dropParams: boolean;
  defaultMaxTokens: number;
}

function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** Accepts a bare origin, `.../v1` or the full `.../v1/messages` (LiteLLM configs use all three). */
export function messagesUrl(base: string): string {
  const root = base.replace(/\/+$/, '');
  if (root.endsWith('/v1/messages')) return root;
  if (root.endsWith('/v1')) return `${root}/messages`;
  return `${root}/v1/messages`;
}

function state(d: Deployment): State {
  return d.prepared.state as State;
}

/**
 * The client's `anthropic-beta` header goes upstream (merged with a configured one): betas change
 * what the API accepts, so a request that passed through unchanged must carry them.
 */
export function withBetaHeader(headers: Record<string, string>, ctx: RequestContext): Record<string, string> {
  const raw = ctx.headers['anthropic-beta'];
  const beta = Array.isArray(raw) ? raw.join(',') : raw;
  if (!beta) return headers;
  const mine = headers['anthropic-beta'];
  return { ...headers, 'anthropic-beta': mine ? `${mine},${beta}` : beta };
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export const anthropicAdapter: ProviderAdapter = {
  providers: ['anthropic'],

  prepare(d, envp) {
    const base = d.params.api_base ?? env('ANTHROPIC_API_BASE') ?? env('ANTHROPIC_BASE_URL') ?? DEFAULT_API_BASE;
    const key = d.params.api_key ?? env('ANTHROPIC_API_KEY');
    if (!key) throw new ConfigError('no API key for Anthropic: set params.api_key or the ANTHROPIC_API_KEY environment variable.');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-api-key': key,
      'anthropic-version': ANTHROPIC_VERSION,
    };
    for (const [k, v] of Object.entries(d.params.headers ?? {})) headers[k.toLowerCase()] = v;
    const s: State = {
      url: messagesUrl(base),
      dropParams: envp.dropParams,
      defaultMaxTokens: positive(d.modelInfo.max_output_tokens) ?? positive(d.modelInfo.max_tokens) ?? DEFAULT_MAX_TOKENS,
    };
    return { baseUrl: base.replace(/\/+$/, ''), headers, wireFormat: 'anthropic', framing: 'sse', state: s };
  },

  chat: {
    buildRequest(request, d, ctx): UpstreamRequest {
      const s = state(d);
      const headers = withBetaHeader(d.prepared.headers, ctx);
      const inbound = ctx.inboundBody;
      if (ctx.passThrough && inbound && typeof inbound === 'object' && !Array.isArray(inbound)) {
        // Lossless: the client's own Anthropic body, only the model group swapped for the real model.
        return { method: 'POST', url: s.url, headers, body: JSON.stringify({ ...inbound, model: d.providerModel }) };
      }
      const { body } = buildAnthropicBody(request, { model: d.providerModel, dropParams: s.dropParams, defaultMaxTokens: s.defaultMaxTokens }, ctx);
      return { method: 'POST', url: s.url, headers, body: JSON.stringify(body) };
    },

    parseResponse(body, _d, ctx) {
      return anthropicToOpenAI(body, { jsonMode: ctx.passThrough ? null : jsonModeOf(ctx.chatRequest) });
    },

    createStreamParser(_d, ctx) {
      return new AnthropicStreamParser({ jsonMode: ctx.passThrough ? null : jsonModeOf(ctx.chatRequest) });
    },
  },

  mapError(info) {
    return mapAnthropicError(info, 'anthropic');
  },
};
