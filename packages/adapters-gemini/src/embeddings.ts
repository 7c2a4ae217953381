import { BadRequestError, toEmbeddingResponse, upstreamFormatError, type EmbeddingRequest, type EmbeddingResponse } from '@tollgate/core';

/** input_type (Cohere-style names, or Gemini's own) -> Gemini's taskType. */
const TASK_TYPES: Record<string, string> = {
  search_query: 'RETRIEVAL_QUERY',
  query: 'RETRIEVAL_QUERY',
  retrieval_query: 'RETRIEVAL_QUERY',
  search_document: 'RETRIEVAL_DOCUMENT',
  document: 'RETRIEVAL_DOCUMENT',
  retrieval_document: 'RETRIEVAL_DOCUMENT',
  semantic_similarity: 'SEMANTIC_SIMILARITY',
  classification: 'CLASSIFICATION',
  clustering: 'CLUSTERING',
  question_answering: 'QUESTION_ANSWERING',
  fact_verification: 'FACT_VERIFICATION',
  code_retrieval_query: 'CODE_RETRIEVAL_QUERY',
};

export function taskType(inputType: string | undefined): string | undefined {
  if (inputType === undefined || inputType === null) return undefined;
  const t = TASK_TYPES[String(inputType).toLowerCase()];
  if (!t) throw new BadRequestError(`Unknown input_type '${inputType}' for Gemini embeddings; use one of: ${Object.keys(TASK_TYPES).join(', ')}.`, { param: 'input_type' });
  return t;
}

/** Gemini embeds text: token-array inputs cannot be sent. */
export function textInputs(input: EmbeddingRequest['input']): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new BadRequestError("'input' must not be empty.", { param: 'input' });
  if (!list.every((x): x is string => typeof x === 'string')) {
    throw new BadRequestError('Gemini embeds text only: token arrays are not supported as input.', { param: 'input' });
  }
  return list;
}

/** AI Studio: `:embedContent` for one input, `:batchEmbedContents` for several. */
export function studioEmbeddingBody(r: EmbeddingRequest, model: string): { method: 'embedContent' | 'batchEmbedContents'; body: unknown } {
  const inputs = textInputs(r.input);
  const extra: Record<string, unknown> = {};
  const task = taskType(r.input_type);
  if (task) extra.taskType = task;
  if (r.dimensions !== undefined) extra.outputDimensionality = r.dimensions;
  if (inputs.length === 1) return { method: 'embedContent', body: { content: { parts: [{ text: inputs[0] }] }, ...extra } };
  // Each request of a batch names the model, which must be the one in the URL.
  return { method: 'batchEmbedContents', body: { requests: inputs.map((text) => ({ model: `models/${model}`, content: { parts: [{ text }] }, ...extra })) } };
}

/** Vertex AI text-embedding models: `:predict` with one instance per input. */
export function vertexEmbeddingBody(r: EmbeddingRequest): unknown {
  const task = taskType(r.input_type);
  const body: Record<string, unknown> = { instances: textInputs(r.input).map((content) => (task ? { content, task_type: task } : { content })) };
  if (r.dimensions !== undefined) body.parameters = { outputDimensionality: r.dimensions };
  return body;
}

function response(vectors: number[][], r: EmbeddingRequest, model: string, tokens: number): EmbeddingResponse {
  return toEmbeddingResponse(vectors, model, tokens, r.encoding_format);
}

export function parseStudioEmbeddings(raw: unknown, r: EmbeddingRequest, model: string): EmbeddingResponse {
  const b = raw as { embedding?: { values?: number[] }; embeddings?: Array<{ values?: number[] }>; usageMetadata?: { promptTokenCount?: number } };
  const list = b?.embeddings ?? (b?.embedding ? [b.embedding] : undefined);
  if (!list || !list.every((e) => Array.isArray(e.values))) throw upstreamFormatError('a Gemini embeddings response without values');
  // AI Studio does not report tokens for embeddings (newer answers may carry usageMetadata).
  return response(list.map((e) => e.values as number[]), r, model, b.usageMetadata?.promptTokenCount ?? 0);
}

export function parseVertexEmbeddings(raw: unknown, r: EmbeddingRequest, model: string): EmbeddingResponse {
  const b = raw as { predictions?: Array<{ embeddings?: { values?: number[]; statistics?: { token_count?: number } } }> };
  const preds = b?.predictions;
  if (!Array.isArray(preds) || !preds.every((p) => Array.isArray(p.embeddings?.values))) throw upstreamFormatError('a Vertex AI embeddings response without predictions');
  const tokens = preds.reduce((n, p) => n + (p.embeddings?.statistics?.token_count ?? 0), 0);
  return response(preds.map((p) => p.embeddings!.values as number[]), r, model, tokens);
}
