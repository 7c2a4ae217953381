import { adapterPlugin } from '@tollgate/core';
import { anthropicAdapter } from './adapter.js';

export { anthropicAdapter, messagesUrl, withBetaHeader, inboundBodyFor, DEFAULT_API_BASE } from './adapter.js';
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
export { anthropicToOpenAI, toOpenAIUsage, mapStopReason, jsonContent, type ParseOptions } from './response.js';
export { AnthropicStreamParser, createAnthropicStreamParser, type StreamParserOptions } from './stream.js';
export { mapAnthropicError, mapAnthropicStreamError, ERROR_TYPE_STATUS } from './errors.js';
export type * from './types.js';

/** Registers the `anthropic` provider (Anthropic's Messages API). */
const plugin = adapterPlugin('@tollgate/adapter-anthropic', anthropicAdapter);
export default plugin;
export { plugin as anthropicPlugin };
