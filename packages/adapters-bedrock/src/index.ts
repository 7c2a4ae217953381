import { adapterPlugin } from '@tollgate/core';
import { bedrockAdapter } from './adapter.js';

export { bedrockAdapter } from './adapter.js';
export { resolveAuth, resolveRegion, authSecrets, sigv4Authorizer, signerFor, signRequest, type BedrockAuth, type AwsKeys, type AssumeRole } from './auth.js';
export { assumeRole, assumeRoleAuthorizer } from './sts.js';
export { parseModel, encodeModelId, type BedrockModel } from './model.js';
export { buildConverseBody, converseParams, CONVERSE_TABLE, EFFORT_BUDGET, type ConverseOptions, type ConverseBody } from './request.js';
export { convertMessages, type ConvertedMessages } from './messages.js';
export { JSON_TOOL_NAME } from './tools.js';
export { converseToOpenAI, toOpenAIUsage, mapStopReason } from './response.js';
export { ConverseStreamParser, type StreamParserOptions } from './stream.js';
export { EventStreamDecoder } from './eventstream.js';
export { mapBedrockError, mapBedrockStreamException } from './errors.js';
export { embeddingBody, embeddingFamily, parseEmbeddings, COHERE_MAX_TEXTS, type EmbeddingFamily } from './embeddings.js';
export { buildBedrockRerankRequest, parseBedrockRerankResponse } from './rerank.js';
export { BEDROCK_PARAM_KEYS } from './param-keys.js';
export type { BedrockState } from './state.js';
export type * from './types.js';

/** Registers the `bedrock` and `bedrock_converse` providers (Converse, ConverseStream, InvokeModel embeddings, agent-runtime rerank). */
const plugin = adapterPlugin('@tollgate/adapter-bedrock', bedrockAdapter);
export default plugin;
export { plugin as bedrockPlugin };
