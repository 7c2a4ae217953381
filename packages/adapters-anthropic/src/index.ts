import { adapterPlugin } from '@tollgate/core';
import { anthropicAdapter } from './adapter.js';

export { anthropicAdapter, messagesUrl, withBetaHeader, inboundBodyFor, DEFAULT_API_BASE } from './adapter.js';
export * from './format/index.js';

/** Registers the `anthropic` provider (Anthropic's Messages API). */
const plugin = adapterPlugin('@tollgate/adapter-anthropic', anthropicAdapter);
export default plugin;
export { plugin as anthropicPlugin };
