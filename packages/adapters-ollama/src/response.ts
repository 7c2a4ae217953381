import { randomUUID } from 'node:crypto';
import {
  upstreamFormatError,
  type ChatCompletion,
  type ChoiceLogprobs,
  type FinishReason,
  type ResponseMessage,
  type ToolCall,
  type Usage,
} from '@tollgate/core';
import type { OllamaChatResponse, OllamaLogprob, OllamaToolCall } from './types.js';

/** Ollama's prompt_eval_count / eval_count as OpenAI usage. */
export function toOpenAIUsage(r: Pick<OllamaChatResponse, 'prompt_eval_count' | 'eval_count'>): Usage {
  const prompt = r.prompt_eval_count ?? 0;
  const completion = r.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * done_reason -> finish_reason: "length" is length; a turn that called tools is tool_calls (Ollama
 * says "stop" there, as LiteLLM also corrects); "stop", "load", "unload" are stop.
 */
export function mapDoneReason(reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === 'length') return 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** Ollama gives tool calls an id only in newer versions; OpenAI clients need one to answer them. */
export function toolCallId(t: OllamaToolCall): string {
  return t.id || `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

export function toOpenAILogprobs(items: readonly OllamaLogprob[] | undefined): ChoiceLogprobs | null {
  if (!items?.length) return null;
  return {
    content: items.map((l) => ({
      token: l.token,
      logprob: l.logprob,
      bytes: l.bytes ?? null,
      top_logprobs: (l.top_logprobs ?? []).map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes ?? null })),
    })),
    refusal: null,
  };
}

export function createdOf(createdAt: string | undefined): number {
  const ms = createdAt ? Date.parse(createdAt) : NaN;
  return Math.floor((Number.isNaN(ms) ? Date.now() : ms) / 1000);
}

/** Ollama `/api/chat` answer (stream: false) -> OpenAI ChatCompletion; `thinking` is reasoning_content. */
export function ollamaToOpenAI(body: unknown, id: string, model: string): ChatCompletion {
  const r = body as OllamaChatResponse;
  if (!r || typeof r !== 'object' || !r.message || typeof r.message !== 'object') throw upstreamFormatError('a chat response without a message');
  const calls = r.message.tool_calls ?? [];
  const text = r.message.content ?? '';
  const message: ResponseMessage = { role: 'assistant', content: text || (calls.length ? null : text) };
  if (r.message.thinking) message.reasoning_content = r.message.thinking;
  if (calls.length) {
    message.tool_calls = calls.map((t): ToolCall => ({ id: toolCallId(t), type: 'function', function: { name: t.function.name, arguments: JSON.stringify(t.function.arguments ?? {}) } }));
  }
  return {
    id,
    object: 'chat.completion',
    created: createdOf(r.created_at),
    model: r.model ?? model,
    choices: [{ index: 0, message, finish_reason: mapDoneReason(r.done_reason, calls.length > 0), logprobs: toOpenAILogprobs(r.logprobs) }],
    usage: toOpenAIUsage(r),
  };
}
