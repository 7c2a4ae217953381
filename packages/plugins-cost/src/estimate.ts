import { createRequire } from 'node:module';
import type { ChatCompletionRequest, ChatMessage, EmbeddingRequest, RerankRequest, Usage } from '@tollgate/core';

/**
 * Local token counts for requests whose provider reported no usage (an aborted stream, say).
 *
 * OpenAI models: gpt-tokenizer (o200k_base for GPT-4o, GPT-4.1, GPT-5, o-series; cl100k_base for
 * GPT-4, GPT-3.5 and the text-embedding models), with the chat overhead of OpenAI's cookbook
 * (openai-cookbook, How_to_count_tokens_with_tiktoken.ipynb): 3 tokens per message, 1 per name, 3
 * to prime the reply. Other models: 4 characters a token, with the same per-message overhead.
 * Images count 85 tokens each (OpenAI's low-detail charge: a floor, high detail costs more);
 * audio and file parts are not counted. Tool definitions count as their JSON text.
 *
 * A tokenizer is loaded on first use (o200k_base: ~0.2 s, ~15 MB of heap, ~56 MB of RSS); the plugin
 * loads the ones its deployments need at start-up (`counterFor`), so no request waits for it.
 */

type Encoding = 'o200k_base' | 'cl100k_base';
type Counter = (text: string) => number;

const MESSAGE_OVERHEAD = 3;
const NAME_OVERHEAD = 1;
const REPLY_PRIMING = 3;
const IMAGE_TOKENS = 85;

const require = createRequire(import.meta.url);
const counters = new Map<Encoding, Counter>();
// User text may contain "<|endoftext|>": counted as text, as the API does, instead of throwing.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

function tokenizer(encoding: Encoding): Counter {
  let count = counters.get(encoding);
  if (!count) {
    const mod = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens(text: string, options: object): number };
    count = (text) => (text ? mod.countTokens(text, AS_TEXT) : 0);
    counters.set(encoding, count);
  }
  return count;
}

/** 4 characters a token (rounded up): the usual rule of thumb for English text on BPE tokenizers. */
export const charsPerFour: Counter = (text) => Math.ceil(text.length / 4);

/** The tiktoken encoding of an OpenAI model, or null for other makers' models. */
export function openaiEncoding(model: string): Encoding | null {
  const id = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-|codex-|gpt-oss|omni-moderation)/.test(id)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-|davinci-002|babbage-002)/.test(id)) return 'cl100k_base';
  return null;
}

/**
 * The counter used for `model`: a real tokenizer for OpenAI models, 4 characters a token otherwise.
 * Calling it loads the tokenizer (so it doubles as a preload).
 */
export function counterFor(model: string): Counter {
  const encoding = openaiEncoding(model);
  return encoding ? tokenizer(encoding) : charsPerFour;
}

function contentTokens(content: ChatMessage['content'], count: Counter): number {
  if (typeof content === 'string') return count(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (part.type === 'text') n += count(part.text);
    else if (part.type === 'refusal') n += count(part.refusal);
    else if (part.type === 'image_url') n += IMAGE_TOKENS;
  }
  return n;
}

function messageTokens(m: ChatMessage, count: Counter): number {
  let n = MESSAGE_OVERHEAD + count(m.role) + contentTokens(m.content, count);
  if ('name' in m && typeof m.name === 'string') n += NAME_OVERHEAD + count(m.name);
  if (m.role === 'assistant') {
    for (const call of m.tool_calls ?? []) n += count(call.function.name) + count(call.function.arguments);
  }
  return n;
}

function embeddingInputTokens(input: EmbeddingRequest['input'], count: Counter): number {
  if (typeof input === 'string') return count(input);
  let n = 0;
  for (const item of input) {
    if (typeof item === 'string') n += count(item);
    else if (typeof item === 'number') n += 1; // one token id
    else if (Array.isArray(item)) n += item.length;
  }
  return n;
}

function documentText(doc: string | Record<string, unknown>): string {
  if (typeof doc === 'string') return doc;
  return typeof doc.text === 'string' ? doc.text : JSON.stringify(doc);
}

export type EstimableRequest = ChatCompletionRequest | EmbeddingRequest | RerankRequest;

/**
 * Input tokens counted locally for `request`. `model` picks the counter (the deployment's model
 * id, or the base model of an Azure deployment).
 */
export function estimatePromptTokens(request: EstimableRequest, model: string): number {
  const count = counterFor(model);
  let prompt = 0;
  // The request types carry index signatures, so `in` does not narrow them: cast per shape.
  const chat = request as ChatCompletionRequest;
  const embed = request as EmbeddingRequest;
  const rerank = request as RerankRequest;
  if (Array.isArray(chat.messages)) {
    prompt = REPLY_PRIMING;
    for (const m of chat.messages) prompt += messageTokens(m, count);
    if (chat.tools?.length) prompt += count(JSON.stringify(chat.tools));
  } else if (embed.input !== undefined) {
    prompt = embeddingInputTokens(embed.input, count);
  } else if (typeof rerank.query === 'string') {
    prompt = count(rerank.query);
    for (const doc of rerank.documents ?? []) prompt += count(documentText(doc));
  }
  return prompt;
}

/** Usage counted locally for `request` and the answer text produced so far. */
export function estimateUsage(request: EstimableRequest, outputText: string, model: string): Usage {
  const prompt = estimatePromptTokens(request, model);
  const completion = counterFor(model)(outputText);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Cohere bills one search unit per query over up to 100 documents (docs.cohere.com, rerank pricing). */
export function estimateSearchUnits(request: RerankRequest): number {
  return Math.max(1, Math.ceil((request.documents?.length ?? 0) / 100));
}
