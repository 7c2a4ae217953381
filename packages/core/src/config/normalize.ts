import { ConfigError } from '../errors.js';
import { inferProvider } from '../models/bare-models.js';
import { compileSchema, describeErrors } from '../validation.js';
import { assertSafeKeys, resolveEnv } from './env.js';
import { configSchema } from './schema.js';
import type { TollgateConfig } from './types.js';

type Obj = Record<string, unknown>;

/** LiteLLM's `litellm_settings` keys that are router settings here (the rest fold into `settings`). */
const LITELLM_ROUTER_KEYS = new Set([
  'num_retries', 'fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks', 'default_fallbacks',
  'max_fallbacks', 'retry_policy', 'allowed_fails', 'allowed_fails_policy', 'cooldown_time', 'timeout', 'stream_timeout',
]);
const NATIVE_TOP = new Set(['model_list', 'plugins', 'router', 'settings']);
const LITELLM_TOP = new Set(['router_settings', 'litellm_settings', 'general_settings', 'environment_variables']);
const MODEL_ENTRY_KEYS = new Set(['model_name', 'params', 'litellm_params', 'model_info']);

const validate = compileSchema(configSchema as unknown as Obj);

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turn a raw config object (native shape, or an unchanged LiteLLM proxy config.yaml) into a
 * TollgateConfig. Every key is kept: LiteLLM's sections fold into `router` and `settings` (their
 * origin remembered for messages), other top-level sections are kept for the plugins that own
 * them. Which keys are known is decided at start-up, once plugins have declared theirs.
 * Environment references are resolved per key; a missing variable is an error only if the key
 * turns out to be used.
 */
export function normalizeConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): { config: TollgateConfig; warnings: string[] } {
  if (raw == null) raw = {};
  if (!isObject(raw)) throw new ConfigError('Config must be an object (a YAML or JSON mapping).');
  // A config built in code never went through the loader's check: keys that reach prototypes are refused here too.
  assertSafeKeys(raw);
  const src = raw;
  const warnings: string[] = [];
  const errors: string[] = [];

  // LiteLLM's `environment_variables` sets variables the rest of the file may reference.
  if (isObject(src.environment_variables)) {
    env = { ...env };
    for (const [k, v] of Object.entries(src.environment_variables)) if (env[k] === undefined) env[k] = String(v);
  }

  const config: TollgateConfig = { model_list: [], plugins: [], router: {}, settings: {}, sections: {}, origins: {}, unresolved: {} };
  const put = (section: 'router' | 'settings', key: string, value: unknown, origin: string): void => {
    const target = config[section];
    // A native key wins over the same key folded from a LiteLLM section.
    if (Object.hasOwn(target, key) && !config.origins[`${section}.${key}`]) return;
    const path = `${section}.${key}`;
    const resolved = resolveKey(value, env, origin, config, path);
    if (resolved !== undefined) target[key] = resolved;
    if (origin !== path) config.origins[path] = origin;
  };

  for (const section of ['router', 'settings'] as const) {
    const v = src[section];
    if (v === undefined || v === null) continue;
    if (!isObject(v)) { errors.push(`${section}: must be an object`); continue; }
    for (const [k, value] of Object.entries(v)) put(section, k, value, `${section}.${k}`);
  }
  foldSection(src.router_settings, 'router_settings', () => 'router', put, errors);
  foldSection(src.litellm_settings, 'litellm_settings', (k) => (LITELLM_ROUTER_KEYS.has(k) ? 'router' : 'settings'), put, errors);
  foldSection(src.general_settings, 'general_settings', () => 'settings', put, errors);

  for (const key of Object.keys(src)) {
    if (NATIVE_TOP.has(key) || LITELLM_TOP.has(key)) continue;
    const resolved = resolveKey(src[key], env, key, config, `sections.${key}`);
    if (resolved !== undefined) config.sections[key] = resolved;
  }

  if (src.plugins !== undefined && src.plugins !== null) {
    try {
      config.plugins = resolveEnv(src.plugins, env, ['plugins']) as TollgateConfig['plugins'];
    } catch (err) {
      errors.push((err as Error).message);
    }
  }

  const list = src.model_list;
  if (list !== undefined && list !== null && !Array.isArray(list)) errors.push('model_list: must be an array');
  (Array.isArray(list) ? list : []).forEach((item, i) => {
    if (!isObject(item)) {
      config.model_list.push(item as never);
      return;
    }
    const fromLiteLLM = item.params === undefined && item.litellm_params !== undefined;
    const paramsName = fromLiteLLM ? 'litellm_params' : 'params';
    for (const k of Object.keys(item)) if (!MODEL_ENTRY_KEYS.has(k)) errors.push(`model_list[${i}].${k}: is not a known key of a model entry (model_name, params, model_info)`);
    const entry: Obj = { model_name: item.model_name };
    const rawParams = item.params ?? item.litellm_params;
    if (rawParams !== undefined) {
      if (!isObject(rawParams)) {
        entry.params = rawParams;
      } else {
        const params: Obj = {};
        for (const [k, v] of Object.entries(rawParams)) {
          const r = resolveKey(v, env, `model_list[${i}].${paramsName}.${k}`, config, `model_list[${i}].params.${k}`);
          if (r !== undefined) params[k] = r;
        }
        if (typeof params.model === 'string' && !params.model.includes('/') && params.model !== '*') {
          const full = inferProvider(params.model);
          if (full) {
            warnings.push(`model_list[${i}].${paramsName}.model "${params.model}" has no provider; using "${full}".`);
            params.model = full;
          }
        }
        entry.params = params;
      }
      if (fromLiteLLM) config.origins[`model_list[${i}].params`] = `model_list[${i}].litellm_params`;
    }
    if (item.model_info !== undefined) {
      if (isObject(item.model_info)) {
        const info: Obj = {};
        for (const [k, v] of Object.entries(item.model_info)) {
          const r = resolveKey(v, env, `model_list[${i}].model_info.${k}`, config, `model_list[${i}].model_info.${k}`);
          if (r !== undefined) info[k] = r;
        }
        entry.model_info = info;
      } else {
        entry.model_info = item.model_info;
      }
    }
    config.model_list.push(entry as never);
  });

  if (!validate(config)) {
    for (const line of describeErrors(validate.errors)) errors.push(renameParams(line, config));
  }
  if (errors.length) throw new ConfigError(errors.length === 1 ? `Invalid config: ${errors[0]}` : `Invalid config:\n  - ${errors.join('\n  - ')}`);
  return { config, warnings };
}

/** Resolve one key's environment references; a missing variable is remembered, not thrown, and the key dropped. */
function resolveKey(value: unknown, env: NodeJS.ProcessEnv, origin: string, config: TollgateConfig, path: string): unknown {
  try {
    return resolveEnv(value, env, [origin]);
  } catch (err) {
    config.unresolved[path] = (err as Error).message;
    return undefined;
  }
}

function foldSection(
  section: unknown,
  name: string,
  target: (key: string) => 'router' | 'settings',
  put: (section: 'router' | 'settings', key: string, value: unknown, origin: string) => void,
  errors: string[],
): void {
  if (section === undefined || section === null) return;
  if (!isObject(section)) { errors.push(`${name}: must be an object`); return; }
  for (const [k, v] of Object.entries(section)) put(target(k), k, v, `${name}.${k}`);
}

/** Report a deployment's params under the name the user wrote (`litellm_params` or `params`). */
function renameParams(line: string, config: TollgateConfig): string {
  return line.replace(/^model_list\[(\d+)\]\.params/, (m, i: string) => config.origins[`model_list[${i}].params`] ?? m);
}
