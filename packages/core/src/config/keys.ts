import { compileSchema, describeErrors } from '../validation.js';
import { CORE_MODEL_INFO_KEYS, CORE_PARAM_KEYS, CORE_ROUTER_KEYS, CORE_SETTINGS_KEYS, MODEL_INFO_KEY_PATTERN } from './schema.js';
import type { TollgateConfig } from './types.js';

type Schema = Record<string, unknown>;

/** Config keys a plugin (or adapter, or the server) reads, each with a JSON schema. */
export interface ConfigKeys {
  /** Keys under `settings` (LiteLLM's `general_settings` and most of `litellm_settings` fold here). */
  settings?: Readonly<Record<string, Schema>>;
  /** Keys under `router` (LiteLLM's `router_settings`, and its retry/fallback `litellm_settings`). */
  router?: Readonly<Record<string, Schema>>;
  /** Deployment params (`params` / `litellm_params`); an adapter's apply only to its providers. */
  params?: Readonly<Record<string, Schema>>;
  /** `model_info` keys. */
  modelInfo?: Readonly<Record<string, Schema>>;
  /** Top-level sections (e.g. `guardrails`). */
  sections?: Readonly<Record<string, Schema>>;
}

export interface KeyOwner {
  /** A plugin or package name, for messages. */
  name: string;
  keys: ConfigKeys;
  /** For adapters: the provider ids whose deployments these params keys belong to. */
  providers?: readonly string[];
}

/**
 * Which package understands a key nobody registered: `settings.database_url` ->
 * `@tollgate/plugin-keys`. Filled by the server (the core names no plugin).
 */
export type ConfigHints = Readonly<Record<string, string>>;

const CORE: KeyOwner = {
  name: '@tollgate/core',
  keys: { settings: CORE_SETTINGS_KEYS, router: CORE_ROUTER_KEYS, params: CORE_PARAM_KEYS, modelInfo: CORE_MODEL_INFO_KEYS },
};

const compiled = new WeakMap<Schema, ReturnType<typeof compileSchema>>();
function check(schema: Schema, value: unknown, path: string): string[] {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = compileSchema(schema)));
  return v(value) ? [] : describeErrors(v.errors, path);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

export function closest(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

type Area = 'settings' | 'router' | 'params' | 'modelInfo' | 'sections';
const TOP_LEVEL = ['model_list', 'plugins', 'router', 'settings', 'router_settings', 'litellm_settings', 'general_settings', 'environment_variables'];
const HINT_PREFIX: Record<Area, string> = { settings: 'settings', router: 'router', params: 'params', modelInfo: 'model_info', sections: 'sections' };

/**
 * Check every config key against those the core, the registered plugins and adapters declared.
 * Owned keys are validated with their owner's schema. A key nobody owns is an error in Tollgate's
 * own sections (with the closest known key) and one listed warning in LiteLLM's sections; a key
 * that a not-installed package understands names the package. A missing environment variable is
 * an error only when the key that references it is used.
 */
export function checkConfigKeys(config: TollgateConfig, owners: readonly KeyOwner[], hints: ConfigHints = {}): { errors: string[]; warnings: string[]; missingPackages: string[] } {
  const all = [CORE, ...owners];
  const errors: string[] = [];
  const ignored: string[] = [];
  /** LiteLLM keys whose package is not loaded, grouped by package. */
  const notLoaded = new Map<string, string[]>();

  const schemasFor = (area: Area, key: string, provider?: string): Schema[] => {
    const out: Schema[] = [];
    for (const o of all) {
      if (area === 'params' && provider && o.providers && !o.providers.includes(provider)) continue;
      const s = o.keys[area]?.[key];
      if (s) out.push(s);
    }
    return out;
  };
  const knownKeys = (area: Area, provider?: string): Set<string> => {
    // A misspelt top-level section is most likely one of the config's own.
    const out = new Set<string>(area === 'sections' ? TOP_LEVEL : []);
    for (const o of all) {
      if (area === 'params' && provider && o.providers && !o.providers.includes(provider)) continue;
      for (const k of Object.keys(o.keys[area] ?? {})) out.add(k);
    }
    return out;
  };
  // In a LiteLLM-style file every section is LiteLLM's: unknown keys there are warnings, not errors.
  const litellmConfig = Object.values(config.origins).some((o) => /^(litellm_settings|general_settings|router_settings)\.|litellm_params/.test(o));
  const fromLiteLLM = (origin: string): boolean => litellmConfig || /^(litellm_settings|general_settings|router_settings)\.|\.litellm_params\./.test(origin);

  const visit = (area: Area, key: string, value: unknown, origin: string, provider?: string): void => {
    const schemas = schemasFor(area, key, provider);
    if (schemas.length > 0 || (area === 'modelInfo' && MODEL_INFO_KEY_PATTERN.test(key))) {
      for (const s of schemas) errors.push(...check(s, value, origin));
      return;
    }
    const hint = hints[`${HINT_PREFIX[area]}.${key}`];
    if (hint) {
      if (fromLiteLLM(origin)) {
        const list = notLoaded.get(hint) ?? [];
        list.push(origin);
        notLoaded.set(hint, list);
      } else {
        errors.push(`${origin} is read by ${hint}, which is not loaded: install it (npm i ${hint}) and add it to plugins`);
      }
      return;
    }
    if (fromLiteLLM(origin)) { ignored.push(origin); return; }
    const near = closest(key, knownKeys(area, provider));
    errors.push(`${origin}: is not a known key${near ? ` (did you mean \`${near}\`?)` : ''}`);
  };

  for (const area of ['router', 'settings'] as const) {
    for (const [k, v] of Object.entries(config[area])) visit(area, k, v, config.origins[`${area}.${k}`] ?? `${area}.${k}`);
  }
  for (const [k, v] of Object.entries(config.sections)) visit('sections', k, v, k);
  config.model_list.forEach((entry, i) => {
    const paramsName = config.origins[`model_list[${i}].params`] ?? `model_list[${i}].params`;
    const provider = entry.params.model.includes('/') ? entry.params.model.slice(0, entry.params.model.indexOf('/')) : undefined;
    for (const [k, v] of Object.entries(entry.params)) visit('params', k, v, `${paramsName}.${k}`, provider);
    for (const [k, v] of Object.entries(entry.model_info ?? {})) visit('modelInfo', k, v, `model_list[${i}].model_info.${k}`);
  });
  // Keys dropped because their environment variable is not set: an error only when something reads them.
  for (const [path, message] of Object.entries(config.unresolved)) {
    let m: RegExpExecArray | null;
    let owned = false;
    if ((m = /^(settings|router)\.(.+)$/.exec(path))) owned = schemasFor(m[1] as Area, m[2]).length > 0;
    else if ((m = /^sections\.(.+)$/.exec(path))) owned = schemasFor('sections', m[1]).length > 0;
    else if ((m = /^model_list\[(\d+)\]\.params\.(.+)$/.exec(path))) {
      const model = config.model_list[Number(m[1])]?.params.model ?? '';
      owned = schemasFor('params', m[2], model.includes('/') ? model.slice(0, model.indexOf('/')) : undefined).length > 0;
    } else if ((m = /^model_list\[(\d+)\]\.model_info\.(.+)$/.exec(path))) owned = schemasFor('modelInfo', m[2]).length > 0;
    if (owned) errors.push(message);
    else ignored.push(config.origins[path] ?? path.replace(/^sections\./, ''));
  }

  const warnings: string[] = [];
  for (const [pkg, keys] of notLoaded) warnings.push(`${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} read by ${pkg}, which is not installed: npm i ${pkg} (ignored until then)`);
  if (ignored.length) warnings.push(`Config keys Tollgate does not use (ignored): ${ignored.join(', ')}`);
  return { errors, warnings, missingPackages: [...notLoaded.keys()] };
}
