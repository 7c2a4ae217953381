/**
 * The Gemini wire format (Google AI Studio `v1beta` and Vertex AI `v1`), as far as Tollgate uses it.
 * Field names follow the REST reference (camelCase JSON of the protos); see the README for sources.
 */

export interface GeminiBlob {
  mimeType: string;
  /** Base64, no data-URL prefix. */
  data: string;
}

export interface GeminiFileData {
  mimeType?: string;
  fileUri: string;
}

export interface GeminiFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  /** Only some surfaces (Live API) fill it; generateContent usually does not. */
  id?: string;
}

export interface GeminiFunctionResponse {
  name: string;
  /** Must be a JSON object (a protobuf Struct). */
  response: Record<string, unknown>;
}

/** A part carries exactly one data field (text, inlineData, fileData, functionCall, functionResponse, ...). */
export interface GeminiPart {
  text?: string;
  /** The part is the model's reasoning (only with thinkingConfig.includeThoughts). */
  thought?: boolean;
  /** Opaque signature of the model's reasoning; Gemini 3 wants it back on its function calls. */
  thoughtSignature?: string;
  inlineData?: GeminiBlob;
  fileData?: GeminiFileData;
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
  executableCode?: { language?: string; code: string };
  codeExecutionResult?: { outcome?: string; output?: string };
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

/** Gemini's OpenAPI-3.0 subset of a schema. */
export interface GeminiSchema {
  type?: 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'ARRAY' | 'OBJECT';
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  minItems?: number | string;
  maxItems?: number | string;
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  minProperties?: number | string;
  maxProperties?: number | string;
  minLength?: number | string;
  maxLength?: number | string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: GeminiSchema[];
  propertyOrdering?: string[];
  default?: unknown;
  example?: unknown;
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  googleSearch?: Record<string, unknown>;
  codeExecution?: Record<string, unknown>;
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface GeminiThinkingConfig {
  thinkingBudget?: number;
  includeThoughts?: boolean;
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  candidateCount?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  thinkingConfig?: GeminiThinkingConfig;
}

export interface GenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  safetySettings?: Array<{ category: string; threshold: string }>;
  cachedContent?: string;
}

export interface GeminiLogprobCandidate {
  token?: string;
  tokenId?: number;
  logProbability?: number;
}

export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: string;
  /** Omitted for candidate 0 by proto3 JSON (default value). */
  index?: number;
  safetyRatings?: unknown[];
  avgLogprobs?: number;
  logprobsResult?: {
    topCandidates?: Array<{ candidates?: GeminiLogprobCandidate[] }>;
    chosenCandidates?: GeminiLogprobCandidate[];
  };
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

export interface GenerateContentResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** Google's error envelope (google.rpc.Status as JSON). */
export interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string; [k: string]: unknown }>;
  };
}
