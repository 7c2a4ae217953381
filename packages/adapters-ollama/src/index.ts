import { adapterPlugin, type Plugin } from '@tollgate/core';
import { OLLAMA_MODEL_INFO_KEYS } from './param-keys.js';
import { ollamaAdapter } from './adapter.js';

export { ollamaAdapter, ollamaHostUrl, ollamaRoot, DEFAULT_API_BASE } from './adapter.js';
export { buildOllamaChatBody, convertMessages, convertTool, thinkOf, formatOf, OLLAMA_OPTION_KEYS, OLLAMA_OPTIONS_TABLE, ignoredParam, type OllamaBodyOptions } from './request.js';
export { ollamaToOpenAI, toOpenAIUsage, mapDoneReason, toOpenAILogprobs } from './response.js';
export { OllamaStreamParser, type OllamaStreamOptions } from './stream.js';
export { buildOllamaEmbedBody, parseOllamaEmbedResponse, type OllamaEmbedOptions } from './embed.js';
export { buildOllamaTagsRequest, parseOllamaTags, ollamaTagsToModelList, listOllamaModels } from './tags.js';
export { mapOllamaError, mapOllamaStreamError } from './errors.js';
export { OLLAMA_PARAM_KEYS, OLLAMA_MODEL_INFO_KEYS } from './param-keys.js';
export type { OllamaState } from './state.js';
export type * from './types.js';

/**
 * Registers the `ollama` and `ollama_chat` providers (Ollama's native /api/chat and /api/embed), and
 * declares `model_info.num_ctx`, which its deployments read.
 */
const plugin: Plugin = { ...adapterPlugin('@tollgate/adapter-ollama', ollamaAdapter), config: { modelInfo: OLLAMA_MODEL_INFO_KEYS } };
export default plugin;
export { plugin as ollamaPlugin };
