import {
  ApiError,
  TimeoutError,
  upstreamFormatError,
  type ChatCompletion,
  type FinishReason,
  type GatewayError,
  type ResponseMessage,
  type ToolCall,
  type Usage,
} from '@tollgate/core';
import type { CohereChatResponse, CohereCitation, CohereFinishReason, CohereUsage } from './types.js';

const FINISH: Readonly<Record<string, FinishReason>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

/**
 * Cohere's finish reason -> OpenAI's. ERROR and TIMEOUT have no OpenAI counterpart: an answer that
 * ended that way is an upstream failure, returned as an error the router can retry.
 */
export function mapFinishReason(reason: CohereFinishReason | string | undefined, error: string | undefined, provider: string): FinishReason | GatewayError {
  if (reason === 'TIMEOUT') return new TimeoutError(`${provider}: ${error || 'generation timed out'}`, { status: 504, provider });
  if (reason === 'ERROR' || error) return new ApiError(`${provider}: ${error || 'generation failed'}`, { status: 502, code: 'upstream_error', kind: 'server', provider });
  return (reason && FINISH[reason]) || 'stop';
}

/**
 * Usage from `tokens` (what the model read and wrote, as LiteLLM and the Vercel AI SDK count it),
 * falling back to `billed_units`; `cached_tokens` is the prompt share served from Cohere's cache.
 */
export function toOpenAIUsage(u: CohereUsage | undefined): Usage {
  const prompt = u?.tokens?.input_tokens ?? u?.billed_units?.input_tokens ?? 0;
  const completion = u?.tokens?.output_tokens ?? u?.billed_units?.output_tokens ?? 0;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (u?.cached_tokens) usage.prompt_tokens_details = { cached_tokens: u.cached_tokens };
  return usage;
}

/** An OpenAI `url_citation` annotation (the shape LiteLLM gives Cohere citations). */
export interface UrlCitationAnnotation {
  type: 'url_citation';
  url_citation: { start_index: number; end_index: number; title: string; url: string };
}

/**
 * Citations -> OpenAI annotations, one per cited document, as LiteLLM's Cohere v2 transformation
 * does: `url` is the document's own `url` when it has one, else `source:<document id>`. Tool-output
 * sources have no URL or title and are kept only in the raw `citations`.
 */
export function citationsToAnnotations(citations: readonly CohereCitation[]): UrlCitationAnnotation[] {
  const out: UrlCitationAnnotation[] = [];
  for (const c of citations) {
    for (const s of c.sources ?? []) {
      if (s.type !== 'document') continue;
      const doc = s.document ?? {};
      const url = typeof doc.url === 'string' ? doc.url : `source:${s.id ?? doc.id ?? 'unknown'}`;
      const title = typeof doc.title === 'string' ? doc.title : '';
      out.push({ type: 'url_citation', url_citation: { start_index: c.start ?? 0, end_index: c.end ?? 0, title, url } });
    }
  }
  return out;
}

/** A Cohere tool call's arguments; Cohere sends `null` for a tool without parameters. */
export function toolArguments(args: string | undefined): string {
  return !args || args === 'null' ? '{}' : args;
}

/** The assistant message with Cohere's raw citations kept next to the annotations. */
export type CohereResponseMessage = ResponseMessage & { citations?: CohereCitation[] };

/**
 * Cohere chat response -> OpenAI ChatCompletion. Thinking content and the tool plan both become
 * `reasoning_content` (thinking first); citations become `annotations` plus the raw `citations`.
 */
export function cohereToOpenAI(body: unknown, model: string, provider = 'cohere'): ChatCompletion {
  const r = body as CohereChatResponse;
  if (!r || typeof r !== 'object' || !r.message || typeof r.message !== 'object') throw upstreamFormatError('a chat response without a message');
  const finish = mapFinishReason(r.finish_reason, undefined, provider);
  if (typeof finish !== 'string') throw finish;
  const text: string[] = [];
  const reasoning: string[] = [];
  for (const c of r.message.content ?? []) {
    if (c.type === 'text') text.push(c.text);
    else if (c.type === 'thinking') reasoning.push(c.thinking);
  }
  if (r.message.tool_plan) reasoning.push(r.message.tool_plan);
  const message: CohereResponseMessage = { role: 'assistant', content: text.length ? text.join('') : null };
  if (reasoning.length) message.reasoning_content = reasoning.join('\n');
  const calls = r.message.tool_calls ?? [];
  if (calls.length) {
    message.tool_calls = calls.map((t): ToolCall => ({ id: t.id, type: 'function', function: { name: t.function?.name ?? '', arguments: toolArguments(t.function?.arguments) } }));
  }
  const citations = r.message.citations ?? [];
  if (citations.length) {
    message.annotations = citationsToAnnotations(citations);
    message.citations = citations;
  }
  return {
    id: r.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: toOpenAIUsage(r.usage),
  };
}
