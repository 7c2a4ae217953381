/**
 * Canonical wire types: OpenAI Chat Completions, Embeddings and Models, as documented in
 * the OpenAI API reference. Everything inside the pipeline speaks these shapes; adapters
 * translate at the edge. Provider-specific extras ride in clearly named optional fields.
 */

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

export interface TextContentPart {
  type: 'text';
  text: string;
  /** Anthropic-style prompt caching marker; passed through by adapters that support it. */
  cache_control?: { type: 'ephemeral'; ttl?: string };
}

export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
  cache_control?: { type: 'ephemeral'; ttl?: string };
}

export interface InputAudioContentPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

export interface FileContentPart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string; format?: string };
  cache_control?: { type: 'ephemeral'; ttl?: string };
}

export interface RefusalContentPart {
  type: 'refusal';
  refusal: string;
}

export type UserContentPart = TextContentPart | ImageContentPart | InputAudioContentPart | FileContentPart;
export type ContentPart = UserContentPart | RefusalContentPart;

export interface ToolCall {
  /** Present in streamed deltas to say which call a fragment belongs to. */
  index?: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A provider's reasoning block, kept so a client can send it back on the next turn. */
export interface ThinkingBlock {
  type: 'thinking' | 'redacted_thinking';
  thinking?: string;
  signature?: string;
  data?: string;
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextContentPart[];
  name?: string;
}
export interface UserMessage {
  role: 'user';
  content: string | UserContentPart[];
  name?: string;
}
export interface AssistantMessage {
  role: 'assistant';
  content?: string | Array<TextContentPart | RefusalContentPart> | null;
  name?: string;
  refusal?: string | null;
  tool_calls?: ToolCall[];
  function_call?: { name: string; arguments: string } | null;
  /** Non-standard but widely used (DeepSeek, LiteLLM): the model's reasoning text. */
  reasoning_content?: string | null;
  thinking_blocks?: ThinkingBlock[];
}
export interface ToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}
export interface FunctionMessage {
  role: 'function';
  content: string | null;
  name: string;
}
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage;

export interface FunctionDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
}
export interface Tool {
  type: 'function';
  function: FunctionDefinition;
  cache_control?: { type: 'ephemeral'; ttl?: string };
}
export type ToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
    };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean } | null;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  n?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  user?: string;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  reasoning_effort?: ReasoningEffort | null;
  metadata?: Record<string, string> | null;
  modalities?: string[] | null;
  service_tier?: string | null;
  store?: boolean | null;
  prediction?: unknown;
  audio?: unknown;
  web_search_options?: unknown;
  verbosity?: 'low' | 'medium' | 'high' | null;
  /** Deprecated OpenAI function-calling fields, still accepted. */
  functions?: FunctionDefinition[];
  function_call?: 'none' | 'auto' | { name: string };
  /** Provider extras accepted by several gateways (Anthropic thinking, top_k). */
  thinking?: { type: 'enabled' | 'disabled'; budget_tokens?: number } | null;
  top_k?: number | null;
  [extra: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number; cache_creation_tokens?: number };
  completion_tokens_details?: {
    reasoning_tokens?: number;
    audio_tokens?: number;
    accepted_prediction_tokens?: number;
    rejected_prediction_tokens?: number;
  };
}

export interface LogProbToken {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs?: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}
export interface ChoiceLogprobs {
  content: LogProbToken[] | null;
  refusal?: LogProbToken[] | null;
}

export interface ResponseMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string | null;
  tool_calls?: ToolCall[];
  function_call?: { name: string; arguments: string };
  reasoning_content?: string;
  thinking_blocks?: ThinkingBlock[];
  annotations?: unknown[];
}

export interface ChatCompletionChoice {
  index: number;
  message: ResponseMessage;
  finish_reason: FinishReason | null;
  logprobs: ChoiceLogprobs | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: Usage;
  system_fingerprint?: string | null;
  service_tier?: string | null;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ToolCallDelta[];
  function_call?: { name?: string; arguments?: string };
  reasoning_content?: string;
  thinking_blocks?: ThinkingBlock[];
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  logprobs?: ChoiceLogprobs | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
  service_tier?: string | null;
}

export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  /** Used by some providers (Cohere, Gemini task types). */
  input_type?: string;
  [extra: string]: unknown;
}

export interface Embedding {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface ModelList {
  object: 'list';
  data: Model[];
}

export interface ErrorEnvelope {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

/** Legacy completions (`POST /v1/completions`), as the OpenAI API reference documents them. */
export interface CompletionRequest {
  model: string;
  prompt: string | string[] | number[] | number[][];
  suffix?: string | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  best_of?: number | null;
  logprobs?: number | null;
  echo?: boolean | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  seed?: number | null;
  user?: string;
  [extra: string]: unknown;
}

export interface CompletionChoice {
  text: string;
  index: number;
  logprobs: unknown;
  finish_reason: 'stop' | 'length' | 'content_filter' | null;
}

/** A completion, and (with the same shape) each streamed completion chunk. */
export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
}

export interface ModerationRequest {
  input: string | string[] | Array<{ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }>;
  model?: string;
  [extra: string]: unknown;
}

export interface ModerationResult {
  flagged: boolean;
  categories: Record<string, boolean>;
  category_scores: Record<string, number>;
  category_applied_input_types?: Record<string, string[]>;
}

export interface ModerationResponse {
  id: string;
  model: string;
  results: ModerationResult[];
}
