import { compileSchema, ConfigError, describeErrors, resolveEnv, type TollgateConfig } from '@tollgate/core';
import {
  entityGuardrail, injectionGuardrail, jsonSchemaGuardrail, keywordGuardrail, limitsGuardrail, PII_ENTITIES, regexGuardrail,
  SECRET_ENTITIES, webhookGuardrail, type Base,
} from '../builtins.js';
import type { Guardrail, GuardrailFactory } from '../guardrail.js';
import { MODES, type GuardrailMode } from '../types.js';
import { contentFilterGuardrail, genericApiGuardrail } from './litellm.js';
import { compileLitellmV1, isLitellmV1Entry } from './litellm-v1.js';
import { litellmEntrySchema, nativeEntrySchema, optionSchemas } from './schema.js';

type Obj = Record<string, unknown>;

export interface CompileOptions {
  /** Directory relative files (`blocked_words_file`) are read from: the config file's. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve `os.environ/NAME` and `${NAME}` (default true; false when the config loader already did). */
  resolveEnv?: boolean;
  /** Third-party guardrail factories by type name (the plugin imports them by package name). */
  types?: Record<string, GuardrailFactory>;
  /** Where the list is in the config, for error messages (default `guardrails`). */
  path?: string;
  /** Told when a webhook failure is let through (`fail_open`). */
  onWebhookFailOpen?: (guardrail: string, error: Error) => void;
}

export interface CompiledGuardrails {
  guardrails: Guardrail[];
  /** Non-fatal notices (LiteLLM params Tollgate does not use), to log once. */
  warnings: string[];
}

const ALL = MODES;
const INPUT: GuardrailMode[] = ['pre_call', 'during_call'];
const CALLS: GuardrailMode[] = ['pre_call', 'during_call', 'post_call'];
const SUPPORTED: Record<string, readonly GuardrailMode[]> = {
  pii: ALL, secrets: ALL, keywords: ALL, regex: ALL, litellm_content_filter: ALL,
  prompt_injection: INPUT, limits: INPUT, json_schema: ['post_call'], webhook: CALLS, generic_guardrail_api: CALLS,
};
/**
 * The types a list names that are not built in (third-party guardrail packages to import), in
 * order, once each: native `type`, LiteLLM `litellm_params.guardrail`.
 */
export function externalTypes(list: unknown): string[] {
  const out = new Set<string>();
  for (const raw of Array.isArray(list) ? list : []) {
    const e = raw as { type?: unknown; litellm_params?: { guardrail?: unknown } } | null;
    const type = e?.type ?? e?.litellm_params?.guardrail;
    if (typeof type === 'string' && !(type in SUPPORTED)) out.add(type);
  }
  return [...out];
}

/** Keys of a LiteLLM entry's litellm_params that are not the guardrail's own options. */
const LITELLM_COMMON = new Set(['guardrail', 'mode', 'default_on']);

const validateNative = compileSchema(nativeEntrySchema);
const validateLitellm = compileSchema(litellmEntrySchema);
const validateOptions: Record<string, ReturnType<typeof compileSchema>> = {
  pii: compileSchema(optionSchemas.pii(Object.keys(PII_ENTITIES))),
  secrets: compileSchema(optionSchemas.secrets(Object.keys(SECRET_ENTITIES))),
  keywords: compileSchema(optionSchemas.keywords),
  regex: compileSchema(optionSchemas.regex),
  prompt_injection: compileSchema(optionSchemas.prompt_injection),
  limits: compileSchema(optionSchemas.limits),
  json_schema: compileSchema(optionSchemas.json_schema),
  webhook: compileSchema(optionSchemas.webhook),
  litellm_content_filter: compileSchema(optionSchemas.litellm_content_filter),
  generic_guardrail_api: compileSchema(optionSchemas.generic_guardrail_api),
};

/**
 * The guardrail lists of a loaded config, each with the path it was written at: the top-level
 * `guardrails` section (LiteLLM's current format and the native one), and `settings.guardrails`
 * (where the loader folds `litellm_settings.guardrails`, LiteLLM's first format).
 */
export function guardrailLists(config: Pick<TollgateConfig, 'sections' | 'settings' | 'origins'>): Array<{ list: unknown; path: string }> {
  const out: Array<{ list: unknown; path: string }> = [];
  if (config.sections.guardrails != null) out.push({ list: config.sections.guardrails, path: 'guardrails' });
  if (config.settings.guardrails != null) out.push({ list: config.settings.guardrails, path: config.origins['settings.guardrails'] ?? 'settings.guardrails' });
  return out;
}

/**
 * Parse a `guardrails` list, native entries and LiteLLM entries alike, into compiled guardrails,
 * once at start-up. Environment references are resolved; every problem is reported with its path
 * (`guardrails[1].options.entities.emial: must be one of email, phone, ...`), all at once.
 */
export function compileGuardrails(list: unknown, options: CompileOptions = {}): CompiledGuardrails {
  const root = options.path ?? 'guardrails';
  if (list == null) return { guardrails: [], warnings: [] };
  if (!Array.isArray(list)) throw new ConfigError(`${root}: must be a list`);
  const env = options.env ?? process.env;
  const resolved = (options.resolveEnv === false ? list : resolveEnv(list, env, root.split('.'))) as unknown[];
  const errors: string[] = [];
  const warnings: string[] = [];
  const guardrails: Guardrail[] = [];
  resolved.forEach((raw, i) => {
    try {
      const g = isLitellmV1Entry(raw) ? compileLitellmV1(raw as Obj, `${root}[${i}]`, warnings) : compileEntry(raw, `${root}[${i}]`, options, env, warnings);
      if (guardrails.some((x) => x.name === g.name)) throw new ConfigError(`${root}[${i}]: the name "${g.name}" is used twice`);
      guardrails.push(g);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err.message);
    }
  });
  if (errors.length) throw new ConfigError(`Invalid guardrails: ${errors.join('; ')}`);
  return { guardrails, warnings };
}

function compileEntry(raw: unknown, at: string, options: CompileOptions, env: NodeJS.ProcessEnv, warnings: string[]): Guardrail {
  const isLitellm = !!raw && typeof raw === 'object' && ('guardrail_name' in raw || 'litellm_params' in raw);
  let name: string, type: string, mode: unknown, defaultOn: boolean, opts: Obj, optsAt: string;
  if (isLitellm) {
    const params = (raw as { litellm_params?: unknown }).litellm_params;
    // LiteLLM lower-cases `mode` (LitellmParams.normalize_lowercase in litellm/types/guardrails.py).
    if (params && typeof params === 'object' && 'mode' in params) raw = { ...(raw as Obj), litellm_params: { ...params, mode: lower((params as Obj).mode) } };
    if (!validateLitellm(raw)) throw new ConfigError(describe(validateLitellm.errors, at));
    const e = raw as { guardrail_name: string; litellm_params: Obj };
    const { guardrail, mode: m, default_on, ...rest } = e.litellm_params;
    name = e.guardrail_name;
    type = guardrail as string;
    mode = m;
    defaultOn = (default_on as boolean | undefined) ?? false;
    opts = rest;
    optsAt = `${at}.litellm_params`;
  } else {
    if (!validateNative(raw)) throw new ConfigError(describe(validateNative.errors, at));
    const e = raw as { name: string; type: string; mode?: unknown; default_on?: boolean; options?: Obj };
    ({ name, type } = e);
    mode = e.mode;
    defaultOn = e.default_on ?? false;
    opts = e.options ?? {};
    optsAt = `${at}.options`;
  }
  const custom = options.types?.[type];
  const validate = validateOptions[type];
  if (!validate && !custom) {
    const known = [...Object.keys(validateOptions), ...Object.keys(options.types ?? {})].join(', ');
    throw new ConfigError(`${at}.${isLitellm ? 'litellm_params.guardrail' : 'type'}: "${type}" is neither a built-in guardrail (${known}) nor an installed guardrail package (npm i ${type})`);
  }
  if (validate) {
    if (!validate(opts)) throw new ConfigError(describe(validate.errors, optsAt));
    if (isLitellm) {
      const props = Object.keys((optionSchemas[type as keyof typeof optionSchemas] as { properties?: Obj }).properties ?? {});
      const unused = Object.keys(opts).filter((k) => !props.includes(k) && !LITELLM_COMMON.has(k));
      if (unused.length) warnings.push(`${optsAt}: not used by Tollgate (ignored): ${unused.join(', ')}`);
    }
  }
  const tp = custom?.(opts, name);
  // logging_only masks a copy with text rules; a check-based guardrail has none to apply there.
  const supported = tp ? tp.modes.filter((m) => m !== 'logging_only') : SUPPORTED[type];
  const { modes, tagModes } = parseModes(mode ?? (type === 'json_schema' ? 'post_call' : supported[0]), supported, `${at}.${isLitellm ? 'litellm_params.' : ''}mode`);
  const base: Base = { name, type, modes, defaultOn, ...(tagModes ? { tagModes } : {}) };
  if (tp) return { ...base, check: (input) => tp.check(input) };
  return build(base, opts, optsAt, options, env);
}

function build(base: Base, o: Obj, at: string, options: CompileOptions, env: NodeJS.ProcessEnv): Guardrail {
  switch (base.type) {
    case 'pii': return entityGuardrail(base, PII_ENTITIES, o, 'mask');
    case 'secrets': return entityGuardrail(base, SECRET_ENTITIES, o, 'block');
    case 'keywords': return keywordGuardrail(base, o as never);
    case 'regex': {
      (o.patterns as Array<{ pattern: string; flags?: string }>).forEach((p, i) => {
        try {
          new RegExp(p.pattern, p.flags ?? 'i');
        } catch (err) {
          throw new ConfigError(`${at}.patterns[${i}].pattern: is not a valid regular expression (${(err as Error).message})`);
        }
      });
      return regexGuardrail(base, o as never);
    }
    case 'prompt_injection': return injectionGuardrail(base, o);
    case 'limits': return limitsGuardrail(base, o);
    case 'json_schema': return jsonSchemaGuardrail(base, o);
    case 'webhook': {
      const w = o as { url: string; headers?: Record<string, string>; timeout_ms?: number; on_error?: 'fail_open' | 'fail_closed'; params?: Obj };
      return webhookGuardrail(base, {
        url: w.url, headers: w.headers, timeoutMs: w.timeout_ms ?? 5000, onError: w.on_error ?? 'fail_closed', params: w.params,
        onFailOpen: (e) => options.onWebhookFailOpen?.(base.name, e),
      });
    }
    case 'litellm_content_filter': return contentFilterGuardrail(base, o, at, options.baseDir ?? process.cwd());
    case 'generic_guardrail_api': return genericApiGuardrail(base, o, at, env, (e) => options.onWebhookFailOpen?.(base.name, e));
    default: throw new ConfigError(`${at}: unknown guardrail type ${base.type}`);
  }
}

function parseModes(mode: unknown, supported: readonly GuardrailMode[], at: string): { modes: GuardrailMode[]; tagModes?: Map<string, GuardrailMode[]> } {
  const list = (m: unknown): GuardrailMode[] => {
    const l = (Array.isArray(m) ? m : [m]) as GuardrailMode[];
    const bad = l.find((x) => !supported.includes(x));
    if (bad) throw new ConfigError(`${at}: this guardrail does not run in ${bad}; it supports ${supported.join(', ')}`);
    return [...new Set(l)];
  };
  if (mode && typeof mode === 'object' && !Array.isArray(mode)) {
    const { tags, default: def } = mode as { tags: Obj; default?: unknown };
    return {
      modes: def === undefined ? [] : list(def),
      tagModes: new Map(Object.entries(tags).map(([tag, m]) => [tag, list(m)])),
    };
  }
  return { modes: list(mode) };
}

/** ajv's errors as lines; where a field has our own wording (`x-message`), only that line, not every anyOf branch's. */
function describe(errors: Parameters<typeof describeErrors>[0], root: string): string {
  const own = errors?.filter((e) => typeof (e.parentSchema as Obj | undefined)?.['x-message'] === 'string');
  // An error about a key name (propertyNames) points at the key itself.
  const keyed = (own?.length ? own : errors)?.map((e) => (e.propertyName ? { ...e, instancePath: `${e.instancePath}/${e.propertyName}` } : e));
  return describeErrors(keyed, root).join('; ');
}

function lower(v: unknown): unknown {
  if (typeof v === 'string') return v.toLowerCase();
  if (Array.isArray(v)) return v.map(lower);
  if (v && typeof v === 'object') {
    const o = v as Obj;
    return { ...o, ...(o.tags ? { tags: Object.fromEntries(Object.entries(o.tags as Obj).map(([k, x]) => [k, lower(x)])) } : {}), ...(o.default !== undefined ? { default: lower(o.default) } : {}) };
  }
  return v;
}
