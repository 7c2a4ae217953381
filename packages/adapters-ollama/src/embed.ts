import {
  BadRequestError,
  upstreamFormatError,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type RequestContext,
} from '@tollgate/core';
import type { OllamaEmbedResponse } from './types.js';

/** Fields of api.EmbedRequest a client may send as they are. */
const NATIVE = ['truncate', 'keep_alive', 'options'];

/**
 * OpenAI embeddings request -> Ollama `POST /api/embed` (`input` a string list, `dimensions` as is).
 * Other params are refused naming them (or dropped with a warning under drop_params): Ollama would
 * silently ignore them.
 */
export function buildOllamaEmbedBody(request: EmbeddingRequest, model: string, dropParams: boolean, keepAlive: string | number | undefined, ctx: RequestContext | null): Record<string, unknown> {
  const input = typeof request.input === 'string' ? [request.input] : request.input;
  if (!Array.isArray(input) || input.some((x) => typeof x !== 'string')) throw new BadRequestError('Ollama embeds strings, not token arrays.', { param: 'input' });
  const body: Record<string, unknown> = { model, input };
  if (request.dimensions != null) body.dimensions = request.dimensions;
  if (keepAlive !== undefined) body.keep_alive = keepAlive;
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null || ['model', 'input', 'dimensions', 'encoding_format', 'user'].includes(key)) continue;
    if (NATIVE.includes(key)) body[key] = value;
    else if (!dropParams) throw new BadRequestError(`Ollama does not support the parameter '${key}'. Remove it, or set drop_params: true to drop unsupported parameters.`, { param: key, code: 'unsupported_parameter' });
    else ctx?.warnings.push(`dropped unsupported param '${key}'`);
  }
  return body;
}

function float32Base64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** Ollama embed response -> OpenAI list; `encoding_format: "base64"` is little-endian float32, as OpenAI's. */
export function parseOllamaEmbedResponse(body: unknown, model: string, encoding: EmbeddingRequest['encoding_format']): EmbeddingResponse {
  const r = body as OllamaEmbedResponse;
  if (!r || !Array.isArray(r.embeddings)) throw upstreamFormatError('an embed response without embeddings');
  const tokens = r.prompt_eval_count ?? 0;
  return {
    object: 'list',
    data: r.embeddings.map((v, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? float32Base64(v) : v })),
    model: r.model ?? model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
