import { ConfigError, type Deployment, type PrepareEnv, type ProviderAdapter, type RequestContext, type UpstreamRequest } from '@tollgate/core';
import { ANTHROPIC_VERSION, AnthropicStreamParser, DEFAULT_MAX_TOKENS, anthropicToOpenAI, buildAnthropicBody, jsonModeOf, mapAnthropicError, type JsonMode } from './format/index.js';

export const DEFAULT_API_BASE = 'https://api.anthropic.com';

/** What a deployment's config decides about the Messages bodies it sends (Anthropic's and Vertex AI's Claude alike). */
export interface AnthropicSettings {
  dropParams: boolean;
  defaultMaxTokens: number;
  /** Client headers this deployment forwards (e.g. anthropic-beta), lower-cased. */
  forwardHeaders: readonly string[];
  /** Client body fields this deployment forwards beyond the canonical ones. */
  allowed: readonly string[];
}

interface State extends AnthropicSettings {
  url: string;
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

/**
 * The client's own Anthropic body when the core decided on a same-format send (else null): the
 * real model (`null` leaves it out, as Vertex AI wants), and guarded fields only when allowed.
 */
export function inboundBodyFor(ctx: RequestContext, model: string | null, allowed: readonly string[]): Record<string, unknown> | null {
  const inbound = ctx.inboundBody;
  if (!ctx.sendInboundBody || !inbound || typeof inbound !== 'object' || Array.isArray(inbound)) return null;
  const body: Record<string, unknown> = { ...(inbound as Record<string, unknown>) };
  if (model === null) delete body.model;
  else body.model = model;
  for (const f of GUARDED_BODY_FIELDS) if (!allowed.includes(f)) delete body[f];
  return body;
}

/** The response_format tool's mode, unless the client's own body went (it has no such tool). */
export function jsonModeFor(ctx: RequestContext): JsonMode | null {
  return ctx.sendInboundBody ? null : jsonModeOf(ctx.chatRequest);
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export function anthropicSettings(d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): AnthropicSettings {
  const forward = d.params.forward_client_headers;
  return {
    dropParams: envp.dropParams,
    defaultMaxTokens: positive(d.modelInfo.max_output_tokens) ?? positive(d.modelInfo.max_tokens) ?? DEFAULT_MAX_TOKENS,
    forwardHeaders: Array.isArray(forward) ? forward.map((h) => String(h).toLowerCase()) : [],
    allowed: (d.params.allowed_client_params as string[] | undefined) ?? [],
  };
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
    const s: State = { url: messagesUrl(base), ...anthropicSettings(d, envp) };
    // The key is declared a secret however it was found (config or ANTHROPIC_API_KEY), so the core scrubs it everywhere.
    return { baseUrl: base.replace(/\/+$/, ''), headers, wireFormat: 'anthropic', framing: 'sse', state: s, secrets: [key] };
  },

  operations: {
    chat: {
      buildRequest(request, d, ctx): UpstreamRequest {
        const s = d.prepared.state;
        const headers = withBetaHeader(d.prepared.headers, ctx, s.forwardHeaders);
        // Lossless: the client's own Anthropic body, the model group swapped for the real model.
        const own = inboundBodyFor(ctx, d.providerModel, s.allowed);
        if (own) return { method: 'POST', url: s.url, headers, body: JSON.stringify(own) };
        const { body } = buildAnthropicBody(request, { model: d.providerModel, dropParams: s.dropParams, defaultMaxTokens: s.defaultMaxTokens, allowed: s.allowed }, ctx);
        return { method: 'POST', url: s.url, headers, body: JSON.stringify(body) };
      },

      parseResponse(body, _d, ctx) {
        return anthropicToOpenAI(body, { jsonMode: jsonModeFor(ctx) });
      },

      createStreamParser(_d, ctx) {
        return new AnthropicStreamParser({ jsonMode: jsonModeFor(ctx) });
      },
    },
  },

  mapError(info) {
    return mapAnthropicError(info, 'anthropic');
  },
};
