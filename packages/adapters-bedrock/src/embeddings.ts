import { BadRequestError, toEmbeddingResponse, upstreamFormatError, type EmbeddingRequest, type EmbeddingResponse } from '@tollgate/core';

/**
 * Embedding models served through InvokeModel, by what their body looks like
 * (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html,
 * model-parameters-embed.html; LiteLLM litellm/llms/bedrock/embed/*).
 */
export type EmbeddingFamily = 'titan-v1' | 'titan-v2' | 'cohere-v3' | 'cohere-v4';

export function embeddingFamily(base: string): EmbeddingFamily | null {
  if (base.startsWith('amazon.titan-embed-text-v1') || base.startsWith('amazon.titan-embed-g1-text')) return 'titan-v1';
  if (base.startsWith('amazon.titan-embed-text-v2')) return 'titan-v2';
  if (base.startsWith('cohere.embed-v4')) return 'cohere-v4';
  if (base.startsWith('cohere.embed-')) return 'cohere-v3';
  return null;
}

/** Cohere on Bedrock takes at most 96 texts per call; Titan text models one input per call. */
export const COHERE_MAX_TEXTS = 96;
const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];
const TITAN_V2_DIMENSIONS = [256, 512, 1024];

function textInputs(input: EmbeddingRequest['input']): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new BadRequestError("'input' must not be empty.", { param: 'input' });
  if (!list.every((x): x is string => typeof x === 'string')) throw new BadRequestError('Bedrock embeds text only: token arrays are not supported as input.', { param: 'input' });
  return list;
}

/** The InvokeModel body for an embeddings request. */
export function embeddingBody(r: EmbeddingRequest, family: EmbeddingFamily): Record<string, unknown> {
  const inputs = textInputs(r.input);
  if (family === 'titan-v1' || family === 'titan-v2') {
    // One InvokeModel call embeds one text; the adapter contract sends one upstream request per call.
    if (inputs.length > 1) throw new BadRequestError(`Amazon Titan text embeddings take one input per request; this request has ${inputs.length}. Send one input at a time.`, { param: 'input' });
    if (family === 'titan-v1') {
      if (r.dimensions !== undefined) throw new BadRequestError('amazon.titan-embed-text-v1 has a fixed size of 1536; remove dimensions.', { param: 'dimensions' });
      return { inputText: inputs[0] };
    }
    const body: Record<string, unknown> = { inputText: inputs[0] };
    if (r.dimensions !== undefined) {
      if (!TITAN_V2_DIMENSIONS.includes(r.dimensions)) throw new BadRequestError(`Titan Text Embeddings V2 supports dimensions ${TITAN_V2_DIMENSIONS.join(', ')}; got ${r.dimensions}.`, { param: 'dimensions' });
      body.dimensions = r.dimensions;
    }
    if (typeof r.normalize === 'boolean') body.normalize = r.normalize;
    return body;
  }
  if (inputs.length > COHERE_MAX_TEXTS) throw new BadRequestError(`Cohere embeddings on Bedrock take at most ${COHERE_MAX_TEXTS} inputs per request; this request has ${inputs.length}.`, { param: 'input' });
  const inputType = r.input_type ?? 'search_document';
  if (!COHERE_INPUT_TYPES.includes(inputType)) throw new BadRequestError(`input_type must be one of ${COHERE_INPUT_TYPES.join(', ')} for Cohere embeddings.`, { param: 'input_type' });
  const body: Record<string, unknown> = { texts: inputs, input_type: inputType };
  if (typeof r.truncate === 'string') body.truncate = r.truncate;
  if (r.dimensions !== undefined) {
    if (family !== 'cohere-v4') throw new BadRequestError('Cohere embed v3 has a fixed size; dimensions needs cohere.embed-v4.', { param: 'dimensions' });
    body.output_dimension = r.dimensions;
  }
  return body;
}

/** An InvokeModel embeddings answer -> OpenAI's shape. Cohere reports no tokens in its body (only in a header). */
export function parseEmbeddings(raw: unknown, r: EmbeddingRequest, family: EmbeddingFamily, model: string): EmbeddingResponse {
  const b = raw as { embedding?: number[]; embeddingsByType?: { float?: number[] }; inputTextTokenCount?: number; embeddings?: number[][] | { float?: number[][] } };
  let vectors: number[][] | undefined;
  let tokens = 0;
  if (family === 'titan-v1' || family === 'titan-v2') {
    const v = b?.embedding ?? b?.embeddingsByType?.float;
    if (Array.isArray(v)) vectors = [v];
    tokens = b?.inputTextTokenCount ?? 0;
  } else {
    const e = b?.embeddings;
    vectors = Array.isArray(e) ? e : e?.float;
  }
  if (!Array.isArray(vectors) || !vectors.every(Array.isArray)) throw upstreamFormatError('an InvokeModel embeddings answer without vectors');
  return toEmbeddingResponse(vectors, model, tokens, r.encoding_format);
}
