import {
  upstreamFormatError,
  type ChatCompletion,
  type FinishReason,
  type ResponseMessage,
  type ThinkingBlock,
  type ToolCall,
  type Usage,
} from '@tollgate/core';
import { JSON_TOOL_NAME, jsonContent, type JsonMode } from './tools.js';
import type { ConverseResponse, TokenUsage } from './types.js';

/** Converse stopReason (API_runtime_ConverseResponse.html) -> OpenAI finish_reason. */
const STOP_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function mapStopReason(reason: string | null | undefined): FinishReason {
  return (reason && STOP_REASONS[reason]) || 'stop';
}

/**
 * Converse counts cached input apart from inputTokens (as Anthropic does); OpenAI's prompt_tokens
 * includes it. As adapters-anthropic's toOpenAIUsage and LiteLLM's _transform_usage:
 * prompt = input + cacheRead + cacheWrite, cached_tokens = cacheRead, cache_creation_tokens = cacheWrite.
 */
export function toOpenAIUsage(u: TokenUsage | null | undefined): Usage {
  const read = u?.cacheReadInputTokens ?? 0;
  const write = u?.cacheWriteInputTokens ?? 0;
  const prompt = (u?.inputTokens ?? 0) + read + write;
  const completion = u?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, cache_creation_tokens: write },
  };
}

export interface ParseOptions {
  id: string;
  model: string;
  jsonMode?: JsonMode | null;
}

/** Converse response -> OpenAI ChatCompletion (one choice). */
export function converseToOpenAI(raw: unknown, o: ParseOptions): ChatCompletion {
  const r = raw as ConverseResponse;
  const content = r?.output?.message?.content;
  if (!r || typeof r !== 'object' || !Array.isArray(content)) throw upstreamFormatError('a Converse response without output.message');
  const text: string[] = [];
  const reasoning: string[] = [];
  const thinking: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  let json: string | undefined;
  for (const b of content) {
    if (typeof b.text === 'string') text.push(b.text);
    else if (b.toolUse) {
      const t = b.toolUse as { toolUseId: string; name: string; input: unknown };
      if (o.jsonMode && t.name === JSON_TOOL_NAME && json === undefined) json = jsonContent(t.input, o.jsonMode);
      else toolCalls.push({ id: t.toolUseId, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.input ?? {}) } });
    } else if (b.reasoningContent) {
      const rc = b.reasoningContent as { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
      if (rc.reasoningText) {
        reasoning.push(rc.reasoningText.text);
        thinking.push(rc.reasoningText.signature ? { type: 'thinking', thinking: rc.reasoningText.text, signature: rc.reasoningText.signature } : { type: 'thinking', thinking: rc.reasoningText.text });
      } else if (rc.redactedContent) {
        thinking.push({ type: 'redacted_thinking', data: rc.redactedContent });
      }
    }
    // citationsContent, images and guard content have no OpenAI counterpart in a chat answer.
  }
  const message: ResponseMessage = { role: 'assistant', content: json ?? (text.length ? text.join('') : null) };
  if (reasoning.length) message.reasoning_content = reasoning.join('');
  if (thinking.length) message.thinking_blocks = thinking;
  if (toolCalls.length) message.tool_calls = toolCalls;
  let finish = mapStopReason(r.stopReason);
  // The JSON tool was the answer, not a call the client has to run.
  if (json !== undefined && !toolCalls.length && finish === 'tool_calls') finish = 'stop';
  return {
    id: o.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: o.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: toOpenAIUsage(r.usage),
  };
}
