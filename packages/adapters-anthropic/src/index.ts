import { adapterPlugin } from '@tollgate/core';
import { anthropicAdapter } from './adapter.js';

export { anthropicAdapter, anthropicSettings, messagesUrl, withBetaHeader, inboundBodyFor, jsonModeFor, DEFAULT_API_BASE, type AnthropicSettings } from './adapter.js';
export * from './format/index.js';

/** Registers the `anthropic` provider (Anthropic's Messages API). */
const plugin = adapterPlugin('@tollgate/adapter-anthropic', anthropicAdapter);
export default plugin;
export { plugin as anthropicPlugin };
