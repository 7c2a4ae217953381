/**
 * Anthropic's Messages format, both directions, in one place: the adapter (canonical → Anthropic
 * request, Anthropic answer → canonical), Claude on Vertex AI, and the server's `/v1/messages`
 * edge (an Anthropic client's request → canonical, canonical answer → Anthropic) all use it.
 */
export {
  buildAnthropicBody,
  convertMessages,
  thinkingOf,
  jsonModeOf,
  ANTHROPIC_VERSION,
  JSON_TOOL_NAME,
  DEFAULT_MAX_TOKENS,
  EFFORT_BUDGET,
  type AnthropicBodyOptions,
  type AnthropicBody,
  type JsonMode,
  type ConvertedMessages,
} from './request.js';
export { anthropicToOpenAI, jsonContent, type ParseOptions } from './response.js';
export { AnthropicStreamParser, createAnthropicStreamParser, type StreamParserOptions } from './stream.js';
export { mapStopReason, stopReasonOf } from './stop-reason.js';
export { toOpenAIUsage, toAnthropicUsage } from './usage.js';
export { mapAnthropicError, mapAnthropicStreamError, anthropicErrorBody, anthropicErrorEvent, errorTypeOf, ERROR_TYPE_STATUS } from './errors.js';
export type * from './types.js';
