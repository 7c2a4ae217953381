import { adapterPlugin } from '@tollgate/core';
import { ollamaAdapter } from './adapter.js';

export { ollamaAdapter, ollamaHostUrl, ollamaRoot, DEFAULT_API_BASE } from './adapter.js';
export { buildOllamaChatBody, convertMessages, convertTool, thinkOf, formatOf, OLLAMA_OPTION_KEYS, OLLAMA_OPTIONS_TABLE, type OllamaBodyOptions } from './request.js';
export { ollamaToOpenAI, toOpenAIUsage, mapDoneReason, toOpenAILogprobs } from './response.js';
export { OllamaStreamParser, type OllamaStreamOptions } from './stream.js';
export { buildOllamaEmbedBody, parseOllamaEmbedResponse } from './embed.js';
export { buildOllamaTagsRequest, parseOllamaTags, ollamaTagsToModelList, listOllamaModels } from './tags.js';
export { mapOllamaError, mapOllamaStreamError } from './errors.js';
export { ollamaState, type OllamaState } from './state.js';
export type * from './types.js';

/** Registers the `ollama` and `ollama_chat` providers (Ollama's native /api/chat and /api/embed). */
const plugin = adapterPlugin('@tollgate/adapter-ollama', ollamaAdapter);
export default plugin;
export { plugin as ollamaPlugin };
