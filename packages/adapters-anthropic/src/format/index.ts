/**
 * Anthropic's Messages format, both directions, in one place. The upstream side (canonical request
 * -> Anthropic body, Anthropic answer and events -> canonical, error mapping) serves the adapter and
 * Claude on Vertex AI; the client side (an Anthropic client's body -> canonical, canonical answer
 * and chunks -> Anthropic Message and events, errors in Anthropic's envelope) serves the server's
 * `/v1/messages` edge.
 */
export { buildAnthropicBody, thinkingOf, ANTHROPIC_VERSION, DEFAULT_MAX_TOKENS, EFFORT_BUDGET, type AnthropicBodyOptions, type AnthropicBody } from './request.js';
export { convertMessages, type ConvertedMessages } from './messages.js';
export { anthropicToOpenAI, type ParseOptions } from './response.js';
export { AnthropicStreamParser, createAnthropicStreamParser, type StreamParserOptions } from './stream.js';
export { anthropicRequestToCanonical, estimateAnthropicInputTokens, type TranslatedRequest } from './client-request.js';
export { canonicalToAnthropicMessage } from './client-answer.js';
export { AnthropicEventEncoder } from './client-stream.js';
export { JSON_TOOL_NAME, jsonModeOf, jsonContent, type JsonMode } from './json-mode.js';
export { anthropicServerTools } from './tools.js';
export { mapStopReason, stopReasonOf } from './stop-reason.js';
export { toOpenAIUsage, toAnthropicUsage } from './usage.js';
export { mapAnthropicError, mapAnthropicStreamError, anthropicErrorBody, anthropicErrorEvent, errorTypeOf, ERROR_TYPE_STATUS } from './errors.js';
export type * from './types.js';
