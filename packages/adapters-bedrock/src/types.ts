/**
 * The slice of the Bedrock Runtime Converse wire format this adapter reads and writes (field names
 * from the API reference, API_runtime_Converse.html / API_runtime_ContentBlock.html, and
 * `@aws-sdk/client-bedrock-runtime` models). Blobs (`bytes`, `redactedContent`) are base64 in JSON.
 */

export interface CachePoint {
  type: 'default';
  ttl?: '5m' | '1h';
}

export type ImageFormat = 'gif' | 'jpeg' | 'png' | 'webp';
export type DocumentFormat = 'csv' | 'doc' | 'docx' | 'html' | 'md' | 'pdf' | 'txt' | 'xls' | 'xlsx';
export type Source = { bytes: string } | { s3Location: { uri: string; bucketOwner?: string } };

export interface ReasoningText {
  text: string;
  signature?: string;
}

export type ContentBlock =
  | { text: string }
  | { image: { format: ImageFormat; source: Source } }
  | { document: { format: DocumentFormat; name: string; source: Source } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string } | { json: unknown }>; status?: 'success' | 'error' } }
  | { reasoningContent: { reasoningText: ReasoningText } | { redactedContent: string } }
  | { cachePoint: CachePoint };

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export type SystemBlock = { text: string } | { cachePoint: CachePoint };

export type ConverseTool = { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } } | { cachePoint: CachePoint };
export type ConverseToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface InferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface ConverseRequest {
  messages: Message[];
  system?: SystemBlock[];
  inferenceConfig?: InferenceConfig;
  toolConfig?: { tools: ConverseTool[]; toolChoice?: ConverseToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
  guardrailConfig?: Record<string, unknown>;
  performanceConfig?: Record<string, unknown>;
  requestMetadata?: Record<string, string>;
  serviceTier?: { type: string };
}

export type StopReason =
  | 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'guardrail_intervened' | 'content_filtered'
  | 'model_context_window_exceeded' | 'malformed_model_output' | 'malformed_tool_use';

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role: 'assistant'; content: Array<Record<string, any>> } };
  stopReason?: StopReason | string;
  usage?: TokenUsage;
  metrics?: { latencyMs?: number };
}
