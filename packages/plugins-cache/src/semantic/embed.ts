import type { EmbeddingRequest, EmbeddingResponse, Gateway } from '@tollgate/core';

/** Characters of prompt text embedded at most (the last ones): ~2,000 tokens, inside every common embedding model's input limit. */
export const DEFAULT_PROMPT_CHARS = 8000;

/** Roles whose text is embedded; the other turns (assistant, tool) must match exactly (see `withoutEmbeddedText`). */
const EMBEDDED_ROLES = new Set(['system', 'developer', 'user']);

/** Text of a message's content; null when it carries anything but text (an image, audio, a file). */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return null;
  let out = '';
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type !== 'text' || typeof part.text !== 'string') return null;
    out += (out ? '\n' : '') + part.text;
  }
  return out;
}

/**
 * What is embedded for a request: each system, developer and user message as `role: text`, one per
 * line, in order; of that, the last `maxChars` characters (the latest turn is what a prompt is
 * mostly about, and the embedding call stays bounded). A legacy completions `prompt` string is
 * embedded as it is. Null — the request is not semantically cacheable — when a message carries
 * anything but text (two questions about two different images must never match on their
 * wording), or when there is no text at all.
 */
export function promptText(request: unknown, maxChars = DEFAULT_PROMPT_CHARS): string | null {
  if (request === null || typeof request !== 'object') return null;
  const r = request as { messages?: unknown; prompt?: unknown };
  let text = '';
  let hasText = false;
  if (Array.isArray(r.messages)) {
    for (const m of r.messages as Array<{ role?: unknown; content?: unknown }>) {
      if (typeof m?.role !== 'string' || !EMBEDDED_ROLES.has(m.role)) continue;
      const t = contentText(m.content);
      if (t === null) return null;
      if (t.trim()) hasText = true;
      text += (text ? '\n' : '') + `${m.role}: ${t}`;
    }
  } else if (typeof r.prompt === 'string') {
    text = r.prompt;
    hasText = text.trim() !== '';
  } else return null;
  if (!hasText) return null;
  if (text.length <= maxChars) return text;
  let start = text.length - maxChars;
  // Never start on the second half of a surrogate pair.
  const c = text.charCodeAt(start);
  if (c >= 0xdc00 && c <= 0xdfff) start++;
  return text.slice(start);
}

/**
 * The request with the embedded text taken out (system, developer and user messages keep only
 * their role): what must be equal, beside the scope's tenant and model group, for a semantic
 * hit to be sound — the assistant and tool turns, tools, response_format, sampling settings. Hash
 * it into the scope (with the exact cache's key fields) so a semantic match only ever swaps the
 * wording of the question, never the conversation or the parameters around it.
 */
export function withoutEmbeddedText(request: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(request.messages)) {
    const { prompt: _prompt, ...rest } = request;
    return rest;
  }
  const messages = (request.messages as Array<{ role?: unknown }>).map((m) => (typeof m?.role === 'string' && EMBEDDED_ROLES.has(m.role) ? { role: m.role } : m));
  return { ...request, messages };
}

/** An embedding as a Float32Array: a JSON array of numbers, or base64 of little-endian float32s. */
export function decodeEmbedding(embedding: number[] | string): Float32Array {
  if (typeof embedding !== 'string') return Float32Array.from(embedding);
  const buf = Buffer.from(embedding, 'base64');
  const out = new Float32Array(buf.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export class NotEmbeddableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEmbeddableError';
  }
}

export interface EmbedOptions {
  /** Characters of prompt text embedded at most (the last ones). Default 8,000. */
  maxChars?: number;
  /** The client's request signal: its going away cancels the embedding call. */
  signal?: AbortSignal;
  /**
   * Ask the embedding model for this many dimensions (OpenAI's text-embedding-3 models take it):
   * lookups and Redis transfers cost in proportion, 256 is ~6x cheaper than 1536.
   */
  dimensions?: number;
}

/**
 * Embeds the prompt text of a chat/completions request (see `promptText`) through the gateway
 * itself: an internal `embeddings` call to `modelGroup` (caller INTERNAL, `ctx.internal` set, no
 * client auth), so any provider, routing, retries and cost accounting apply. Rejects with a
 * NotEmbeddableError when the request has no embeddable text, and with the gateway's error when
 * the call fails: the caller treats either as "no semantic lookup".
 */
export async function embedPrompt(gateway: Gateway, modelGroup: string, request: unknown, options: EmbedOptions = {}): Promise<Float32Array> {
  const text = promptText(request, options.maxChars);
  if (text === null) throw new NotEmbeddableError('The request has no text-only prompt to embed.');
  const body: EmbeddingRequest = { model: modelGroup, input: text };
  if (options.dimensions !== undefined) body.dimensions = options.dimensions;
  const res: EmbeddingResponse = await gateway.embeddings(body, { internal: true, signal: options.signal });
  const first = res.data?.[0]?.embedding;
  if (first === undefined) throw new Error(`The embeddings model group "${modelGroup}" answered without an embedding.`);
  const v = decodeEmbedding(first);
  if (v.length === 0) throw new Error(`The embeddings model group "${modelGroup}" answered with an empty embedding.`);
  return v;
}
