import { BadRequestError } from '@tollgate/core';
import type { DeploymentView } from '../types.js';

/** Tokens added per message for its role and framing (OpenAI's cookbook counts 3-4). */
const PER_MESSAGE = 4;

/**
 * A cheap estimate of a chat request's prompt tokens, for the pre-call context-window check: one
 * token per 4 characters (UTF-16 units) of message text, tool definitions and response format,
 * plus 4 per message. It is close for English prose and low for code and CJK text (fewer
 * characters per token there), so it errs toward trying a deployment rather than skipping one
 * that would have taken the prompt; an upstream's own context-window error still falls back.
 */
export function estimateInputTokens(request: { messages?: unknown; tools?: unknown; response_format?: unknown; input?: unknown }): number {
  let chars = 0;
  let messages = 0;
  if (Array.isArray(request.messages)) {
    for (const m of request.messages as Array<{ content?: unknown; tool_calls?: unknown; name?: unknown }>) {
      messages++;
      chars += textLength(m.content);
      if (m.tool_calls) chars += JSON.stringify(m.tool_calls).length;
      if (typeof m.name === 'string') chars += m.name.length;
    }
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  if (request.response_format) chars += JSON.stringify(request.response_format).length;
  chars += textLength(request.input);
  return Math.ceil(chars / 4) + messages * PER_MESSAGE;
}

function textLength(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content as Array<{ text?: unknown } | string>) {
    if (typeof part === 'string') n += part.length;
    else if (part && typeof part.text === 'string') n += part.text.length;
  }
  return n;
}

/** Deployments whose context window takes `inputTokens` (an unknown window is never skipped). */
export function filterByContextWindow<D extends DeploymentView>(candidates: readonly D[], inputTokens: number): readonly D[] {
  if (candidates.every((d) => d.maxInputTokens === undefined || d.maxInputTokens >= inputTokens)) return candidates;
  return candidates.filter((d) => d.maxInputTokens === undefined || d.maxInputTokens >= inputTokens);
}

/**
 * The error when no deployment's window takes the prompt: kind `context_window_exceeded`, so
 * context_window_fallbacks apply (LiteLLM raises ContextWindowExceededError from its pre-call checks).
 */
export function contextWindowError(group: string, inputTokens: number): BadRequestError {
  return new BadRequestError(
    `The prompt (about ${inputTokens} tokens) is longer than the context window of every deployment of model group "${group}".`,
    { param: 'messages', code: 'context_length_exceeded', kind: 'context_window_exceeded' },
  );
}
