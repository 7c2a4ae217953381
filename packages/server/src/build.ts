import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, Gateway, importPlugin, loadConfig, resolvePackage, type GatewayOptions, type KeyOwner, type LoadedConfig, type TollgateConfig } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import mock from '@tollgate/adapter-mock';
import { SERVER_SETTINGS_SCHEMA } from './security/edge.js';

/** Which package serves a provider id that the bundled adapters do not. */
export const PROVIDER_PACKAGES: Readonly<Record<string, string>> = {
  anthropic: '@tollgate/adapter-anthropic',
  gemini: '@tollgate/adapter-gemini',
  vertex_ai: '@tollgate/adapter-gemini',
  vertex_ai_beta: '@tollgate/adapter-gemini',
  bedrock: '@tollgate/adapter-bedrock',
  bedrock_converse: '@tollgate/adapter-bedrock',
  cohere: '@tollgate/adapter-cohere',
  cohere_chat: '@tollgate/adapter-cohere',
  ollama: '@tollgate/adapter-ollama',
  ollama_chat: '@tollgate/adapter-ollama',
};

const LOADBALANCE = '@tollgate/plugin-loadbalance';
const KEYS = '@tollgate/plugin-keys';
const COST = '@tollgate/plugin-cost';
const CACHE = '@tollgate/plugin-cache';
const STATE = '@tollgate/state-redis';

/** LiteLLM's price keys that people write in configs (the plugin owns more: every tier and service-tier variant). */
const COST_KEYS = [
  'input_cost_per_token', 'output_cost_per_token', 'cache_read_input_token_cost', 'cache_creation_input_token_cost',
  'cache_creation_input_token_cost_above_1hr', 'output_cost_per_reasoning_token', 'input_cost_per_token_above_200k_tokens',
  'output_cost_per_token_above_200k_tokens', 'input_cost_per_query', 'cost_per_second', 'input_cost_per_second', 'output_cost_per_second',
];

/**
 * Config keys (as `area.key`) whose feature lives in a plugin package: a config that sets one gets
 * that package loaded when it is installed, and is told to install it when it is not. The core
 * names no plugin; this table is the reference server's.
 */
export const PLUGIN_CONFIG_HINTS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['routing_strategy', 'routing_strategy_args', 'fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks', 'default_fallbacks', 'max_fallbacks', 'retry_policy', 'model_group_retry_policy', 'retry_after', 'allowed_fails', 'allowed_fails_policy', 'cooldown_time', 'disable_cooldowns', 'enable_pre_call_checks', 'optional_pre_call_checks', 'enable_tag_filtering', 'tag_filtering_match_any'].map((k) => [`router.${k}`, LOADBALANCE])),
  ...Object.fromEntries(['redis_host', 'redis_port', 'redis_password', 'redis_url'].flatMap((k) => [[`router.${k}`, STATE], [`settings.${k}`, STATE]])),
  ...Object.fromEntries(['database_url', 'store_model_in_db', 'max_budget', 'budget_duration', 'disable_spend_logs', 'database_connection_pool_limit'].map((k) => [`settings.${k}`, KEYS])),
  ...Object.fromEntries(['cache', 'cache_params'].map((k) => [`settings.${k}`, CACHE])),
  'settings.callbacks': '@tollgate/plugin-metrics',
  // LiteLLM's guardrails section, and `litellm_settings.guardrails` (its first format, folded into settings).
  'sections.guardrails': '@tollgate/plugin-guardrails',
  'settings.guardrails': '@tollgate/plugin-guardrails',
  ...Object.fromEntries(COST_KEYS.flatMap((k) => [[`params.${k}`, COST], [`model_info.${k}`, COST]])),
};

/** The packages a config's keys call for (see PLUGIN_CONFIG_HINTS), in a stable order. */
export function packagesCalledFor(config: TollgateConfig): string[] {
  const used = new Set<string>();
  const mark = (area: string, keys: Iterable<string>): void => {
    for (const k of keys) {
      const pkg = PLUGIN_CONFIG_HINTS[`${area}.${k}`];
      if (pkg) used.add(pkg);
    }
  };
  mark('router', Object.keys(config.router));
  mark('settings', Object.keys(config.settings));
  mark('sections', Object.keys(config.sections));
  for (const m of config.model_list) {
    mark('params', Object.keys(m.params ?? {}));
    mark('model_info', Object.keys(m.model_info ?? {}));
  }
  // LiteLLM's callbacks list names the observability plugin wanted.
  const callbacks = [config.settings.callbacks, config.settings.success_callback].flat().map(String);
  if (callbacks.includes('otel')) used.add('@tollgate/plugin-otel');
  if (!callbacks.includes('prometheus')) used.delete('@tollgate/plugin-metrics');
  // Cost follows keys: spend needs prices.
  if (used.has(KEYS)) used.add(COST);
  return [...used];
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Settings the reference server reads itself. */
/** The server's own settings: client timeouts, connection cap, CORS, request-log bodies. */
export const SERVER_KEYS: KeyOwner = {
  name: '@tollgate/server',
  keys: { settings: { ...SERVER_SETTINGS_SCHEMA.properties, log_request_bodies: { type: 'boolean' } } },
};

/**
 * The reference server's gateway: bundled adapters (OpenAI family, mock), adapters for other
 * configured providers loaded when installed, the config's own plugins, and the plugins its
 * LiteLLM keys call for when installed. Auth (the master key) is the core's.
 */
export async function buildGateway(loaded: LoadedConfig, options: Omit<GatewayOptions, 'config' | 'pluginDir'> = {}): Promise<Gateway> {
  const dirs = [loaded.dir, process.cwd(), here];
  const gateway = new Gateway({ ...options, config: loaded.config, pluginDir: loaded.dir, pluginSearchDirs: [here] });
  for (const w of loaded.warnings) gateway.logger.warn(w);
  for (const [provider, pkg] of Object.entries(PROVIDER_PACKAGES)) gateway.setProviderPackage(provider, pkg);
  gateway.setConfigHints(PLUGIN_CONFIG_HINTS);
  gateway.declareConfigKeys(SERVER_KEYS);
  await gateway.use(openai);
  await gateway.use(mock);
  for (const spec of loaded.config.plugins) await gateway.use(spec);
  const loadedPkgs = new Set<string>(gateway.pluginNames);
  const load = async (pkg: string): Promise<void> => {
    if (loadedPkgs.has(pkg) || !resolvePackage(pkg, dirs)) return;
    loadedPkgs.add(pkg);
    // Installed but broken reports its own error (importPlugin), never "not installed".
    await gateway.use(await importPlugin(pkg, dirs));
  };
  for (const pkg of packagesCalledFor(loaded.config)) await load(pkg);
  for (const provider of gateway.configuredProviders()) {
    if (!gateway.hasAdapter(provider)) await load(gateway.providerPackage(provider));
  }
  await gateway.start();
  if (gateway.allDeployments().length === 0 && !loaded.config.model_list.some((m) => m.model_name.includes('*')) && loaded.config.settings.store_model_in_db !== true) {
    await gateway.close(0);
    throw new ConfigError(noModelsMessage(loaded));
  }
  if (!gateway.authEnabled) gateway.logger.warn('No master key is set: authentication is OFF and anyone who can reach this port can use every model. Set settings.master_key (or TOLLGATE_MASTER_KEY).');
  return gateway;
}

/** Why a gateway would serve nothing, and what to do about it. */
function noModelsMessage(loaded: LoadedConfig): string {
  const where = loaded.filepath
    ? `${loaded.filepath} has no models (model_list is empty or missing)`
    : `no config file was found (looked for tollgate.config.yaml, config.yaml and the other names from ${loaded.dir} upward)`;
  return `Nothing to serve: ${where}. Add a model_list, e.g.\n  model_list:\n    - model_name: gpt-4o-mini\n      params: { model: mock/gpt-4o-mini }\nor pass --config FILE.`;
}

export async function buildGatewayFromFile(file?: string, options: Omit<GatewayOptions, 'config' | 'pluginDir'> = {}): Promise<Gateway> {
  return buildGateway(await loadConfig(file), options);
}
