/**
 * Cohere v2 wire types, as far as the adapter reads or writes them. Field names are the JSON names
 * of cohere-ai/cohere-typescript `src/serialization` (V2ChatRequest, ChatMessageV2, ToolV2,
 * V2ChatResponse, the V2ChatStreamResponse events, Usage, Citation, EmbedByTypeResponse,
 * V2RerankResponse).
 */

export type CohereFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereTextItem = { type: 'text'; text: string };
export type CohereContentItem = CohereTextItem | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export type CohereMessage =
  | { role: 'system'; content: string | CohereTextItem[] }
  | { role: 'user'; content: string | CohereContentItem[] }
  | { role: 'assistant'; content?: string; tool_calls?: CohereToolCall[]; tool_plan?: string }
  | { role: 'tool'; tool_call_id: string; content: string | CohereTextItem[] };

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface CohereDocument {
  id?: string;
  data: Record<string, unknown>;
}

export interface CohereSource {
  type: 'document' | 'tool';
  id?: string;
  document?: Record<string, unknown>;
  tool_output?: Record<string, unknown>;
}

export interface CohereCitation {
  start?: number;
  end?: number;
  text?: string;
  sources?: CohereSource[];
  content_index?: number;
  type?: 'TEXT_CONTENT' | 'THINKING_CONTENT' | 'PLAN';
}

export interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number; search_units?: number; images?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
}

export interface CohereChatResponse {
  id: string;
  finish_reason: CohereFinishReason;
  message: {
    role: 'assistant';
    content?: Array<{ type: 'text'; text: string } | { type: 'thinking'; thinking: string }>;
    tool_plan?: string;
    tool_calls?: CohereToolCall[];
    citations?: CohereCitation[];
  };
  usage?: CohereUsage;
}

/** One event of a streamed /v2/chat (the `data:` of an SSE event; its `type` repeats the SSE `event:`). */
export interface CohereStreamEvent {
  type: string;
  id?: string;
  index?: number;
  delta?: {
    error?: string;
    finish_reason?: CohereFinishReason;
    usage?: CohereUsage;
    message?: {
      content?: { type?: 'text' | 'thinking'; text?: string; thinking?: string };
      tool_plan?: string;
      tool_calls?: { id?: string; type?: 'function'; function?: { name?: string; arguments?: string } };
      citations?: CohereCitation;
    };
  };
}

export interface CohereEmbedResponse {
  id: string;
  embeddings: { float?: number[][] };
  meta?: { billed_units?: { input_tokens?: number; images?: number } };
}

export interface CohereRerankResponseBody {
  id?: string;
  results: Array<{ index: number; relevance_score: number }>;
  meta?: {
    api_version?: { version: string };
    billed_units?: { search_units?: number; input_tokens?: number; output_tokens?: number };
    tokens?: { input_tokens?: number; output_tokens?: number };
  };
}
