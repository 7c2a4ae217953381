import {
  BadRequestError,
  compileParamTable,
  toEmbeddingResponse,
  type CompiledParams,
  upstreamFormatError,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type RequestContext,
} from '@tollgate/core';
import type { CohereEmbedResponse } from './types.js';

/**
 * input_type when neither the request nor the deployment gives one: LiteLLM's
 * COHERE_DEFAULT_EMBEDDING_INPUT_TYPE, so vectors stored through LiteLLM and through Tollgate match.
 */
export const DEFAULT_INPUT_TYPE = 'search_document';

const EMBED_TABLE = { dimensions: { to: 'output_dimension' }, user: { drop: true } };
const EMBED_PARAMS: ReadonlySet<string> = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

/**
 * The embed table for a deployment: OpenAI's embedding params, plus the Cohere fields it allows
 * (`allowed_client_params`: `truncate`, `max_tokens`, `priority`); Cohere refuses what it does not know.
 */
export function cohereEmbedParams(allowed?: readonly string[]): CompiledParams {
  return compileParamTable(EMBED_TABLE, { dropParams: false, provider: 'Cohere', known: EMBED_PARAMS, allowed });
}
const DEFAULT_TABLE = cohereEmbedParams();
const HANDLED = new Set(['model', 'input', 'input_type', 'encoding_format']);

const IMAGE = /^data:image\/[\w.+-]+;base64,/;

/**
 * OpenAI embeddings request -> Cohere `POST /v2/embed` body. Strings that are image data URLs are
 * embedded as images (`images`, input_type "image" by default; mixed with text, as `inputs`). Cohere
 * is always asked for `float` vectors: the byte layout of its `base64` type is not documented, so
 * `encoding_format: "base64"` is produced here, as OpenAI does it (little-endian float32).
 */
export function buildCohereEmbedBody(request: EmbeddingRequest, model: string, defaultInputType: string | undefined, ctx: RequestContext | null, params: CompiledParams = DEFAULT_TABLE): Record<string, unknown> {
  const input = typeof request.input === 'string' ? [request.input] : request.input;
  if (!Array.isArray(input) || input.length === 0 || input.some((x) => typeof x !== 'string')) {
    throw new BadRequestError('Cohere embeds strings (text, or image data URLs), not token arrays.', { param: 'input' });
  }
  const texts = input as string[];
  const images = texts.filter((t) => IMAGE.test(t)).length;
  const body: Record<string, unknown> = { model };
  let inputType = request.input_type ?? defaultInputType;
  if (images === 0) body.texts = texts;
  else if (images === texts.length) { body.images = texts; inputType ??= 'image'; }
  else body.inputs = texts.map((t) => ({ content: [IMAGE.test(t) ? { type: 'image_url', image_url: { url: t } } : { type: 'text', text: t }] }));
  body.input_type = inputType ?? DEFAULT_INPUT_TYPE;
  body.embedding_types = ['float'];
  params.apply(request as Record<string, unknown>, body, ctx, HANDLED);
  return body;
}

/** Cohere embed-by-type response -> OpenAI embeddings list (usage from billed input tokens and images). */
export function parseCohereEmbedResponse(body: unknown, model: string, encoding: EmbeddingRequest['encoding_format']): EmbeddingResponse {
  const r = body as CohereEmbedResponse;
  const vectors = r?.embeddings?.float;
  if (!Array.isArray(vectors)) throw upstreamFormatError('an embed response without float embeddings');
  const billed = r.meta?.billed_units ?? {};
  const tokens = (billed.input_tokens ?? 0) + (billed.images ?? 0);
  return toEmbeddingResponse(vectors, model, tokens, encoding);
}
