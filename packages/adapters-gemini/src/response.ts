import {
  upstreamFormatError,
  type ChatCompletion,
  type ChatCompletionChoice,
  type ChoiceLogprobs,
  type FinishReason,
  type ResponseMessage,
  type ThinkingBlock,
  type ToolCall,
  type Usage,
} from '@tollgate/core';
import { toolCallId } from './ids.js';
import type { GeminiCandidate, GeminiLogprobCandidate, GeminiPart, GeminiUsageMetadata, GenerateContentResponse } from './types.js';

/** Finish reasons that mean Google's filters stopped the answer. */
const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);

/** Gemini finishReason -> OpenAI finish_reason. Undefined while the candidate is not finished. */
export function mapFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason | null {
  if (!reason || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  // STOP, and the rest (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, ...): the model is done.
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/**
 * usageMetadata -> OpenAI usage. Reasoning (thoughtsTokenCount) is part of completion_tokens, as
 * OpenAI counts reasoning tokens; Gemini reports it beside candidatesTokenCount, so it is added
 * unless prompt + candidates already equals the total (the check LiteLLM makes).
 */
export function mapUsage(u: GeminiUsageMetadata): Usage {
  const prompt = u.promptTokenCount ?? 0;
  const candidates = u.candidatesTokenCount ?? 0;
  const thoughts = u.thoughtsTokenCount ?? 0;
  const inclusive = u.totalTokenCount !== undefined && prompt + candidates === u.totalTokenCount;
  const completion = inclusive ? candidates : candidates + thoughts;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.totalTokenCount ?? prompt + completion };
  if (u.cachedContentTokenCount !== undefined) usage.prompt_tokens_details = { cached_tokens: u.cachedContentTokenCount };
  if (u.thoughtsTokenCount !== undefined) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

/** What a candidate's parts say, split the way OpenAI's message is. */
export interface PartsSummary {
  content: string;
  reasoning: string;
  thinking: ThinkingBlock[];
  toolCalls: ToolCall[];
}

/** `nextId` numbers function calls across the whole response (Gemini gives them no id). */
export function summarizeParts(parts: GeminiPart[] | undefined, nextId: () => number): PartsSummary {
  const out: PartsSummary = { content: '', reasoning: '', thinking: [], toolCalls: [] };
  for (const p of parts ?? []) {
    if (p.functionCall) {
      out.toolCalls.push({
        id: toolCallId(nextId(), p.thoughtSignature),
        type: 'function',
        function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
      });
    } else if (p.thought) {
      if (p.text) out.reasoning += p.text;
      if (p.thoughtSignature) out.thinking.push({ type: 'thinking', thinking: p.text ?? '', signature: p.thoughtSignature });
    } else if (typeof p.text === 'string') {
      out.content += p.text;
    } else if (p.executableCode) {
      out.content += `\n\`\`\`${(p.executableCode.language ?? '').toLowerCase().replace('language_unspecified', '')}\n${p.executableCode.code}\n\`\`\`\n`;
    } else if (p.codeExecutionResult?.output) {
      out.content += `\n\`\`\`\n${p.codeExecutionResult.output}\n\`\`\`\n`;
    }
  }
  return out;
}

function tokenBytes(token: string): number[] {
  return [...Buffer.from(token, 'utf8')];
}

function logprob(c: GeminiLogprobCandidate): { token: string; logprob: number; bytes: number[] } {
  const token = c.token ?? '';
  return { token, logprob: c.logProbability ?? 0, bytes: tokenBytes(token) };
}

export function mapLogprobs(c: GeminiCandidate): ChoiceLogprobs | null {
  const r = c.logprobsResult;
  if (!r?.chosenCandidates) return null;
  return {
    content: r.chosenCandidates.map((chosen, i) => ({
      ...logprob(chosen),
      top_logprobs: (r.topCandidates?.[i]?.candidates ?? []).map(logprob),
    })),
  };
}

export function completionId(body: GenerateContentResponse, fallback: string): string {
  return `chatcmpl-${body.responseId ?? fallback}`;
}

/** A complete generateContent answer -> a ChatCompletion. */
export function parseGenerateContent(raw: unknown, model: string, fallbackId: string): ChatCompletion {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw upstreamFormatError('a malformed Gemini response');
  const body = raw as GenerateContentResponse;
  let n = 0;
  const nextId = (): number => n++;
  const choices: ChatCompletionChoice[] = (body.candidates ?? []).map((c, i) => {
    const s = summarizeParts(c.content?.parts, nextId);
    const message: ResponseMessage = { role: 'assistant', content: s.content || null };
    if (s.reasoning) message.reasoning_content = s.reasoning;
    if (s.thinking.length) message.thinking_blocks = s.thinking;
    if (s.toolCalls.length) message.tool_calls = s.toolCalls;
    return {
      index: c.index ?? i,
      message,
      finish_reason: mapFinishReason(c.finishReason, s.toolCalls.length > 0) ?? 'stop',
      logprobs: mapLogprobs(c),
    };
  });
  if (choices.length === 0) {
    // No candidate at all: the prompt itself was blocked (promptFeedback.blockReason).
    if (!body.promptFeedback?.blockReason) throw upstreamFormatError('a Gemini response without candidates');
    choices.push({ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter', logprobs: null });
  }
  const out: ChatCompletion = {
    id: completionId(body, fallbackId),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.modelVersion ?? model,
    choices,
  };
  if (body.usageMetadata) out.usage = mapUsage(body.usageMetadata);
  return out;
}
