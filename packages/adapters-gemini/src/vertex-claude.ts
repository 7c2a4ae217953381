import {
  AnthropicStreamParser,
  anthropicSettings,
  anthropicToOpenAI,
  buildAnthropicBody,
  inboundBodyFor,
  jsonModeFor,
  mapAnthropicError,
  withBetaHeader,
  type AnthropicSettings,
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

export type ClaudeState = AnthropicSettings;

/**
 * Claude on Vertex AI: `publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`), an
 * Anthropic Messages body with `anthropic_version: "vertex-2023-10-16"` and no `model`. The
 * translation is the Anthropic package's; only the URL, auth and version differ.
 */
export const claude = {
  prepare(d: Omit<Deployment, 'prepared'>, envp: PrepareEnv): ClaudeState {
    return anthropicSettings(d, envp);
  },

  buildRequest(request: ChatCompletionRequest, s: ClaudeState, modelUrl: string, d: Deployment, ctx: RequestContext): UpstreamRequest {
    const url = `${modelUrl}:${request.stream ? 'streamRawPredict' : 'rawPredict'}`;
    const headers = withBetaHeader(d.prepared.headers, ctx, s.forwardHeaders);
    // An Anthropic client's own body, unchanged but for what Vertex wants instead of `model`.
    const own = inboundBodyFor(ctx, null, s.allowed);
    if (own) return { method: 'POST', url, headers, body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...own }) };
    const { body } = buildAnthropicBody(
      request,
      { model: null, anthropicVersion: VERTEX_ANTHROPIC_VERSION, dropParams: s.dropParams, defaultMaxTokens: s.defaultMaxTokens, provider: 'Vertex AI (Claude)', allowed: s.allowed },
      ctx,
    );
    return { method: 'POST', url, headers, body: JSON.stringify(body) };
  },

  parseResponse(body: unknown, _s: ClaudeState, ctx: RequestContext): ChatCompletion {
    return anthropicToOpenAI(body, { jsonMode: jsonModeFor(ctx) });
  },

  createStreamParser(_s: ClaudeState, ctx: RequestContext): StreamParser {
    return new AnthropicStreamParser({ jsonMode: jsonModeFor(ctx), provider: 'Vertex AI (Claude)' });
  },

  /** Vertex answers auth and quota failures itself (Google's envelope); the model's own in Anthropic's. */
  mapError(info: UpstreamErrorInfo, label: string): GatewayError {
    const text = info.body.trim();
    if (text.startsWith('{') && /"type"\s*:\s*"error"/.test(text)) return mapAnthropicError(info, 'Vertex AI (Claude)');
    return mapGoogleError(info, label);
  },
};
