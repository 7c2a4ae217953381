/**
 * The canonical rerank operation, in Cohere's shape as LiteLLM's `/rerank` offers it
 * (docs.cohere.com/reference/rerank; LiteLLM `litellm/types/rerank.py`).
 */
export interface RerankRequest {
  model: string;
  query: string;
  /** Strings, or objects whose text is in `text` (or in the fields named by `rank_fields`). */
  documents: Array<string | Record<string, unknown>>;
  top_n?: number;
  rank_fields?: string[];
  return_documents?: boolean;
  max_chunks_per_doc?: number;
  max_tokens_per_doc?: number;
  [extra: string]: unknown;
}

export interface RerankResult {
  /** Position of the document in the request's `documents`. */
  index: number;
  relevance_score: number;
  document?: { text: string };
}

export interface RerankResponse {
  id: string;
  results: RerankResult[];
  meta?: {
    api_version?: { version: string };
    billed_units?: { search_units?: number; input_tokens?: number; output_tokens?: number };
    tokens?: { input_tokens?: number; output_tokens?: number };
  };
}
