import { ConfigError } from '../errors.js';
import { compileSchema, describeErrors } from '../validation.js';
import { resolveEnv } from './env.js';
import { configSchema } from './schema.js';
import type { TollgateConfig } from './types.js';

type Obj = Record<string, unknown>;

const ROUTER_KEYS = new Set(['num_retries', 'timeout', 'routing_strategy', 'fallbacks']);
const LITELLM_SETTINGS: Record<string, (c: TollgateConfig, v: unknown) => void> = {
  drop_params: (c, v) => { c.settings.drop_params = v as boolean; },
  num_retries: (c, v) => { c.router.num_retries = v as number; },
  request_timeout: (c, v) => { c.settings.request_timeout = v as number; },
  fallbacks: (c, v) => { c.router.fallbacks = v as TollgateConfig['router']['fallbacks']; },
};
const GENERAL_SETTINGS: Record<string, (c: TollgateConfig, v: unknown) => void> = {
  master_key: (c, v) => { c.settings.master_key = v as string; },
  database_url: (c, v) => { c.settings.database_url = v as string; },
};
const MODEL_ENTRY_KEYS = new Set(['model_name', 'params', 'litellm_params', 'model_info']);
const TOP_KEYS = new Set(['model_list', 'plugins', 'router', 'settings', 'environment_variables', 'router_settings', 'litellm_settings', 'general_settings']);

/** LiteLLM accepts bare model names for its best-known providers; so do we, with a warning. */
const BARE_MODEL_PROVIDERS: Array<[RegExp, string]> = [
  [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|davinci|babbage|omni-moderation|text-moderation)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^gemini-/, 'gemini'],
];

const validate = compileSchema(configSchema as unknown as Obj);

/**
 * Turn a raw config object (native shape or an unchanged LiteLLM proxy config.yaml) into a
 * validated TollgateConfig. Environment references are resolved first; unknown keys are
 * collected into one warning.
 */
export function normalizeConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): { config: TollgateConfig; warnings: string[] } {
  if (raw == null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('Config must be an object (a YAML or JSON mapping).');
  const warnings: string[] = [];
  const unknown: string[] = [];

  // LiteLLM's `environment_variables` sets variables the rest of the file may reference.
  const envVars = (raw as Obj).environment_variables;
  if (envVars && typeof envVars === 'object') {
    env = { ...env };
    for (const [k, v] of Object.entries(envVars as Obj)) if (env[k] === undefined) env[k] = String(v);
  }
  // Environment references are resolved after unknown keys are set aside: a variable that only
  // a key Tollgate ignores refers to (LiteLLM's redis_password, say) need not be set.
  const src = raw as Obj;

  const config: TollgateConfig = {
    model_list: [],
    plugins: (src.plugins as TollgateConfig['plugins']) ?? [],
    router: { ...((src.router as Obj) ?? {}) },
    settings: { ...((src.settings as Obj) ?? {}) },
  };

  for (const key of Object.keys(src)) if (!TOP_KEYS.has(key)) unknown.push(key);

  const list = src.model_list;
  if (list !== undefined && !Array.isArray(list)) throw new ConfigError('model_list: must be an array');
  (list as unknown[] | undefined)?.forEach((item, i) => {
    if (!item || typeof item !== 'object') {
      config.model_list.push(item as never);
      return;
    }
    const entry = item as Obj;
    const fromLiteLLM = entry.params === undefined && entry.litellm_params !== undefined;
    const params = { ...((entry.params ?? entry.litellm_params) as Obj | undefined) };
    for (const k of Object.keys(entry)) if (!MODEL_ENTRY_KEYS.has(k)) unknown.push(`model_list[${i}].${k}`);
    if (typeof params.model === 'string' && !params.model.includes('/')) {
      const hit = BARE_MODEL_PROVIDERS.find(([re]) => re.test(params.model as string));
      if (hit) {
        warnings.push(`model_list[${i}].${fromLiteLLM ? 'litellm_params' : 'params'}.model "${params.model}" has no provider; using "${hit[1]}/${params.model}".`);
        params.model = `${hit[1]}/${params.model}`;
      }
    }
    const normalized: Obj = { model_name: entry.model_name, params };
    if (entry.model_info !== undefined) normalized.model_info = entry.model_info;
    if (entry.params === undefined && entry.litellm_params === undefined) delete normalized.params;
    config.model_list.push(normalized as never);
  });

  const routerSettings = src.router_settings as Obj | undefined;
  if (routerSettings) Object.assign(config.router, routerSettings);
  for (const k of Object.keys(config.router)) {
    if (ROUTER_KEYS.has(k)) continue;
    unknown.push(`${routerSettings && k in routerSettings ? 'router_settings' : 'router'}.${k}`);
    delete config.router[k];
  }

  fold(src.litellm_settings, 'litellm_settings', LITELLM_SETTINGS, config, unknown);
  fold(src.general_settings, 'general_settings', GENERAL_SETTINGS, config, unknown);

  const resolved = resolveEnv(config, env) as TollgateConfig;
  Object.assign(config, resolved);
  if (!validate(config)) {
    const lines = describeErrors(validate.errors).map((l) => l.replace(/^model_list\[(\d+)\]\.params/, (m, i) => rename(src, Number(i), m)));
    throw new ConfigError(`Invalid config: ${lines.join('; ')}`);
  }
  if (unknown.length) warnings.push(`Config keys Tollgate does not use (ignored): ${unknown.join(', ')}`);
  return { config, warnings };
}

/** Report errors under the name the user wrote (`litellm_params` or `params`). */
function rename(src: Obj, i: number, fallback: string): string {
  const entry = (src.model_list as Obj[] | undefined)?.[i];
  return entry && entry.params === undefined && entry.litellm_params !== undefined ? `model_list[${i}].litellm_params` : fallback;
}

function fold(section: unknown, name: string, known: Record<string, (c: TollgateConfig, v: unknown) => void>, config: TollgateConfig, unknown: string[]): void {
  if (section == null) return;
  if (typeof section !== 'object') throw new ConfigError(`${name}: must be an object`);
  for (const [k, v] of Object.entries(section as Obj)) {
    const apply = known[k];
    if (apply) apply(config, v);
    else unknown.push(`${name}.${k}`);
  }
}
