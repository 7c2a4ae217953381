export { createTollgateServer, tollgateHeaders, writeSse, decodeSegment, SERVER_VERSION, type TollgateServer, type ServerOptions, type SseOptions, type Handler, type ErrorWriter } from './server.js';
export { buildGateway, buildGatewayFromFile, PROVIDER_PACKAGES, PLUGIN_CONFIG_HINTS } from './build.js';
export { readBody, readJson, sendJson, sendError } from './http.js';
export { registerAnthropicInbound, type AnthropicInboundOptions } from './inbound/anthropic.js';
export { presentedKey, validateChat, validateEmbeddings, chatRequestSchema, embeddingRequestSchema } from '@tollgate/core';
