import { ConfigError, type ProviderAdapter, type RequestContext, type UpstreamRequest } from '@tollgate/core';
import { ANTHROPIC_VERSION, AnthropicStreamParser, DEFAULT_MAX_TOKENS, anthropicToOpenAI, buildAnthropicBody, jsonModeOf, mapAnthropicError } from './format/index.js';

export const DEFAULT_API_BASE = 'https://api.anthropic.com';

interface State {
  url: string;
  dropParams: boolean;
  defaultMaxTokens: number;
  /** Client headers this deployment forwards (e.g. anthropic-beta), lower-cased. */
  forwardHeaders: readonly string[];
  /** Client body fields this deployment forwards beyond the canonical ones. */
  allowed: readonly string[];
}

/**
 * Fields of a client's own Anthropic body that turn on paid or powerful features with the
 * operator's key (remote MCP servers, code-execution containers): never sent unless the
 * deployment allows them (`allowed_client_params`).
 */
const GUARDED_BODY_FIELDS = ['mcp_servers', 'container'];

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

/**
 * The client's `anthropic-beta` header goes upstream (merged with a configured one) only when the
 * deployment forwards it (`forward_client_headers: [anthropic-beta]`): betas turn on paid
 * features billed to the operator's key.
 */
export function withBetaHeader(headers: Record<string, string>, ctx: RequestContext, forward: readonly string[]): Record<string, string> {
  if (!forward.includes('anthropic-beta')) return headers;
  const raw = ctx.headers['anthropic-beta'];
  const beta = Array.isArray(raw) ? raw.join(',') : raw;
  if (!beta) return headers;
  const mine = headers['anthropic-beta'];
  return { ...headers, 'anthropic-beta': mine ? `${mine},${beta}` : beta };
}

/** The client's own body for a same-format send: the real model, and guarded fields only when allowed. */
export function inboundBodyFor(inbound: Record<string, unknown>, model: string, allowed: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { ...inbound, model };
  for (const f of GUARDED_BODY_FIELDS) if (!allowed.includes(f)) delete body[f];
  return body;
}

function lower(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : [];
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export const anthropicAdapter: ProviderAdapter<State> = {
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
      forwardHeaders: lower(d.params.forward_client_headers),
      allowed: (d.params.allowed_client_params as string[] | undefined) ?? [],
    };
    // The key is declared a secret however it was found (config or ANTHROPIC_API_KEY), so the core scrubs it everywhere.
    return { baseUrl: base.replace(/\/+$/, ''), headers, wireFormat: 'anthropic', framing: 'sse', state: s, secrets: [key] };
  },

  operations: {
    chat: {
      buildRequest(request, d, ctx): UpstreamRequest {
        const s = d.prepared.state;
        const headers = withBetaHeader(d.prepared.headers, ctx, s.forwardHeaders);
        const inbound = ctx.inboundBody;
        if (ctx.sendInboundBody && inbound && typeof inbound === 'object' && !Array.isArray(inbound)) {
          // Lossless: the client's own Anthropic body, the model group swapped for the real model.
          return { method: 'POST', url: s.url, headers, body: JSON.stringify(inboundBodyFor(inbound as Record<string, unknown>, d.providerModel, s.allowed)) };
        }
        const { body } = buildAnthropicBody(request, { model: d.providerModel, dropParams: s.dropParams, defaultMaxTokens: s.defaultMaxTokens, allowed: s.allowed }, ctx);
        return { method: 'POST', url: s.url, headers, body: JSON.stringify(body) };
      },

      parseResponse(body, _d, ctx) {
        return anthropicToOpenAI(body, { jsonMode: ctx.sendInboundBody ? null : jsonModeOf(ctx.chatRequest) });
      },

      createStreamParser(_d, ctx) {
        return new AnthropicStreamParser({ jsonMode: ctx.sendInboundBody ? null : jsonModeOf(ctx.chatRequest) });
      },
    },
  },

  mapError(info) {
    return mapAnthropicError(info, 'anthropic');
  },
};
