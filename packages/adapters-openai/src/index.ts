import { adapterPlugin } from '@tollgate/core';
import { openaiAdapter } from './adapter.js';

export { openaiAdapter, cleanMessages } from './adapter.js';
export { mapOpenAIError } from './errors.js';
export { entraAuthorizer, type EntraOptions } from './entra.js';
export { OPENAI_COMPATIBLE_HOSTS, HOST_ALIASES, type OpenAICompatibleHost } from './hosts.js';

/** Registers OpenAI, Azure OpenAI and every OpenAI-compatible host of the table. */
const plugin = adapterPlugin('@tollgate/adapter-openai', openaiAdapter);
export default plugin;
export { plugin as openaiPlugin };
