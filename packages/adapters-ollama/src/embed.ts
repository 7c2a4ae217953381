import {
  BadRequestError,
  toEmbeddingResponse,
  upstreamFormatError,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type RequestContext,
} from '@tollgate/core';
import { ignoredParam } from './request.js';
import type { OllamaEmbedResponse } from './types.js';

/** Fields of api.EmbedRequest a client may send when the deployment allows them (`allowed_client_params`). */
const NATIVE = new Set(['truncate', 'keep_alive', 'options']);
const OPENAI_FIELDS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user']);

export interface OllamaEmbedOptions {
  model: string;
  keepAlive?: string | number;
  allowed?: ReadonlySet<string>;
}

/**
 * OpenAI embeddings request -> Ollama `POST /api/embed` (`input` a string list, `dimensions` as is).
 * Ollama's own fields go up only when the deployment allows them; others are ignored with a warning.
 */
export function buildOllamaEmbedBody(request: EmbeddingRequest, o: OllamaEmbedOptions, ctx: RequestContext | null): Record<string, unknown> {
  const input = typeof request.input === 'string' ? [request.input] : request.input;
  if (!Array.isArray(input) || input.some((x) => typeof x !== 'string')) throw new BadRequestError('Ollama embeds strings, not token arrays.', { param: 'input' });
  const body: Record<string, unknown> = { model: o.model, input };
  if (request.dimensions != null) body.dimensions = request.dimensions;
  if (o.keepAlive !== undefined) body.keep_alive = o.keepAlive;
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null || OPENAI_FIELDS.has(key)) continue;
    if (NATIVE.has(key) && o.allowed?.has(key)) body[key] = value;
    else ctx?.warnings.push(ignoredParam(key));
  }
  return body;
}

/** Ollama embed response -> OpenAI list; `encoding_format: "base64"` is little-endian float32, as OpenAI's. */
export function parseOllamaEmbedResponse(body: unknown, model: string, encoding: EmbeddingRequest['encoding_format']): EmbeddingResponse {
  const r = body as OllamaEmbedResponse;
  if (!r || !Array.isArray(r.embeddings)) throw upstreamFormatError('an embed response without embeddings');
  const tokens = r.prompt_eval_count ?? 0;
  return toEmbeddingResponse(r.embeddings, r.model ?? model, tokens, encoding);
}
