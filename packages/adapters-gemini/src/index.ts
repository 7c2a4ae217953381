import { adapterPlugin } from '@tollgate/core';
import { geminiAdapter } from './adapter.js';

export { geminiAdapter, STUDIO_BASE } from './adapter.js';
export { buildGenerateContent, toContents, toTools, toToolConfig, compileChatParams, type ChatParams } from './request.js';
export { toGeminiSchema, toGeminiParameters } from './schema.js';
export { parseGenerateContent, mapFinishReason, mapUsage } from './response.js';
export { createGeminiStreamParser } from './stream.js';
export { mapGoogleError } from './errors.js';
export { toolCallId, signatureFromId, THOUGHT_SEPARATOR } from './ids.js';
export { loadServiceAccount, signJwtAssertion, vertexAuthorizer, GOOGLE_TOKEN_URL, CLOUD_PLATFORM_SCOPE, type ServiceAccount } from './vertex-auth.js';
export type * from './types.js';

/** Registers Google AI Studio (`gemini/...`) and Vertex AI (`vertex_ai/...`, `vertex_ai_beta/...`). */
const plugin = adapterPlugin('@tollgate/adapter-gemini', geminiAdapter);
export default plugin;
export { plugin as geminiPlugin };
