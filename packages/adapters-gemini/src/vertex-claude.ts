import {
  AnthropicStreamParser,
  DEFAULT_MAX_TOKENS,
  anthropicToOpenAI,
  buildAnthropicBody,
  jsonModeOf,
  mapAnthropicError,
  inboundBodyFor,
  withBetaHeader,
} from '@tollgate/adapter-anthropic';
import type {
  ChatCompletion,
  ChatCompletionRequest,
  Deployment,
  GatewayError,
  PrepareEnv,
  RequestContext,
  StreamParser,
  UpstreamErrorInfo,
  UpstreamRequest,
} from '@tollgate/core';
import { mapGoogleError } from './errors.js';

/** Vertex AI takes the Messages API version in the body, and the model in the URL. */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** Anthropic's models on Vertex AI are named "claude-..." (e.g. claude-sonnet-4@20250514). */
export function isClaudeModel(model: string): boolean {
  return model.startsWith('claude');
}

export interface ClaudeState {
  dropParams: boolean;
  defaultMaxTokens: number;
  forwardHeaders: readonly string[];
  allowed: readonly string[];
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Claude on Vertex AI: `publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`), an
 * Anthropic Messages body with `anthropic_version: "vertex-2023-10-16"` and no `model`. The
 * translation is the Anthropic package's; only the URL, auth and version differ.
 */
export const claude = {
  prepare(d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): ClaudeState {
    return {
      dropParams: envp.dropParams,
      defaultMaxTokens: positive(d.modelInfo.max_output_tokens) ?? positive(d.modelInfo.max_tokens) ?? DEFAULT_MAX_TOKENS,
      forwardHeaders: Array.isArray(d.params.forward_client_headers) ? d.params.forward_client_headers.map((h) => String(h).toLowerCase()) : [],
      allowed: (d.params.allowed_client_params as string[] | undefined) ?? [],
    };
  },

  buildRequest(request: ChatCompletionRequest, s: ClaudeState, modelUrl: string, d: Deployment, ctx: RequestContext): UpstreamRequest {
    const url = `${modelUrl}:${request.stream ? 'streamRawPredict' : 'rawPredict'}`;
    const headers = withBetaHeader(d.prepared.headers, ctx, s.forwardHeaders);
    const inbound = ctx.inboundBody;
    if (ctx.sendInboundBody && inbound && typeof inbound === 'object' && !Array.isArray(inbound)) {
      // An Anthropic client's own body, unchanged but for what Vertex wants instead of `model`.
      const { model: _model, ...rest } = inboundBodyFor(inbound as Record<string, unknown>, '', s.allowed);
      return { method: 'POST', url, headers, body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest }) };
    }
    const { body } = buildAnthropicBody(
      request,
      { model: null, anthropicVersion: VERTEX_ANTHROPIC_VERSION, dropParams: s.dropParams, defaultMaxTokens: s.defaultMaxTokens, provider: 'Vertex AI (Claude)', allowed: s.allowed },
      ctx,
    );
    return { method: 'POST', url, headers, body: JSON.stringify(body) };
  },

  parseResponse(body: unknown, _s: ClaudeState, ctx: RequestContext): ChatCompletion {
    return anthropicToOpenAI(body, { jsonMode: ctx.sendInboundBody ? null : jsonModeOf(ctx.chatRequest) });
  },

  createStreamParser(_s: ClaudeState, ctx: RequestContext): StreamParser {
    return new AnthropicStreamParser({ jsonMode: ctx.sendInboundBody ? null : jsonModeOf(ctx.chatRequest), provider: 'Vertex AI (Claude)' });
  },

  /** Vertex answers auth and quota failures itself (Google's envelope); the model's own in Anthropic's. */
  mapError(info: UpstreamErrorInfo, label: string): GatewayError {
    const text = info.body.trim();
    if (text.startsWith('{') && /"type"\s*:\s*"error"/.test(text)) return mapAnthropicError(info, 'Vertex AI (Claude)');
    return mapGoogleError(info, label);
  },
};
