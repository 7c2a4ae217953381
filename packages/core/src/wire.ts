import { ApiError, GatewayError } from './errors.js';
import type { FramedEvent } from './transport/types.js';
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingRequest, EmbeddingResponse, ModerationResponse } from './types/openai.js';

/**
 * The canonical format on the wire. Any adapter whose upstream speaks OpenAI's format (OpenAI,
 * Azure, compatible hosts, the mock) parses with these instead of writing its own.
 */
export function upstreamFormatError(what: string): GatewayError {
  return new ApiError(`Upstream returned ${what}.`, { status: 502, code: 'bad_upstream_response' });
}

export function parseOpenAIChatResponse(body: unknown): ChatCompletion {
  const r = body as ChatCompletion;
  if (!r || typeof r !== 'object' || !Array.isArray(r.choices)) throw upstreamFormatError('a response without choices');
  return r;
}

export function parseOpenAIEmbeddingResponse(body: unknown): EmbeddingResponse {
  const r = body as EmbeddingResponse;
  if (!r || typeof r !== 'object' || !Array.isArray(r.data)) throw upstreamFormatError('an embeddings response without data');
  return r;
}

/**
 * OpenAI's embeddings list from an upstream's float vectors, for adapters whose upstream is not
 * OpenAI's. `encoding_format: "base64"` is OpenAI's layout: little-endian float32 (what the openai
 * SDK asks for by default, and decodes).
 */
export function toEmbeddingResponse(vectors: readonly number[][], model: string, promptTokens: number, encoding?: EmbeddingRequest['encoding_format']): EmbeddingResponse {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? float32Base64(v) : v })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

function float32Base64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i], i * 4);
  return buf.toString('base64');
}

export function parseOpenAICompletion(body: unknown): Completion {
  const r = body as Completion;
  if (!r || typeof r !== 'object' || !Array.isArray(r.choices)) throw upstreamFormatError('a completion without choices');
  return r;
}

export function parseOpenAIModerationResponse(body: unknown): ModerationResponse {
  const r = body as ModerationResponse;
  if (!r || typeof r !== 'object' || !Array.isArray(r.results)) throw upstreamFormatError('a moderation response without results');
  return r;
}

/** One OpenAI-format stream event as JSON; an in-band `{"error": ...}` is handed to `onError`. */
function parseEvent<T extends { choices?: unknown }>(ev: FramedEvent, onError: (error: unknown) => GatewayError): T {
  let chunk: T & { error?: unknown };
  try {
    chunk = JSON.parse(ev.data) as T & { error?: unknown };
  } catch {
    throw upstreamFormatError('a malformed stream event');
  }
  if (chunk.error) throw onError(chunk.error);
  if (!Array.isArray(chunk.choices)) throw upstreamFormatError('a stream event without choices');
  return chunk;
}

/** Parse one legacy-completions stream event. */
export function parseOpenAICompletionChunk(ev: FramedEvent, onError: (error: unknown) => GatewayError): Completion {
  return parseEvent<Completion>(ev, onError);
}

/**
 * Parse one OpenAI stream event. An in-band `{"error":{...}}` event is handed to `onError`,
 * which returns the canonical error to throw.
 */
export function parseOpenAIChunk(ev: FramedEvent, onError: (error: unknown) => GatewayError): ChatCompletionChunk {
  return parseEvent<ChatCompletionChunk>(ev, onError);
}
