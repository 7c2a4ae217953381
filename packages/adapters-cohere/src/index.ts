import { adapterPlugin } from '@tollgate/core';
import { cohereAdapter } from './adapter.js';

export { cohereAdapter, cohereRoot, DEFAULT_API_BASE } from './adapter.js';
export { buildCohereChatBody, cohereChatParams, convertMessages, convertTool, thinkingOf, COHERE_CHAT_PARAMS, EFFORT_BUDGET, type ConvertedMessages, type CohereBodyOptions } from './request.js';
export { cohereToOpenAI, toOpenAIUsage, mapFinishReason, citationsToAnnotations, toolArguments, type UrlCitationAnnotation, type CohereResponseMessage } from './response.js';
export { CohereStreamParser, type CohereStreamOptions } from './stream.js';
export { buildCohereEmbedBody, cohereEmbedParams, parseCohereEmbedResponse, DEFAULT_INPUT_TYPE } from './embed.js';
export { buildCohereRerankRequest, cohereRerankParams, parseCohereRerankResponse, rerankDocumentText } from './rerank.js';
export { mapCohereError, isContextWindowMessage } from './errors.js';
export type { CohereState } from './state.js';
export type * from './types.js';

/** Registers the `cohere` and `cohere_chat` providers (Cohere's v2 API: chat, embed, rerank). */
const plugin = adapterPlugin('@tollgate/adapter-cohere', cohereAdapter);
export default plugin;
export { plugin as coherePlugin };
