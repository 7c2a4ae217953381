export { createTollgateServer, tollgateHeaders, writeSse, SERVER_VERSION, type TollgateServer, type ServerOptions, type SseOptions, type Handler } from './server.js';
export { buildGateway, buildGatewayFromFile, PROVIDER_PACKAGES } from './build.js';
export { masterKeyAuth, presentedKey, isMasterKey } from './auth.js';
export { readBody, readJson, sendJson, sendError } from './http.js';
export { validateChat, validateEmbeddings, chatRequestSchema, embeddingRequestSchema } from './validate.js';
export { registerAnthropicInbound, type AnthropicInboundOptions } from './inbound/anthropic.js';
