import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { assertSafeKeys } from './env.js';
import { normalizeConfig } from './normalize.js';
import type { LoadedConfig, TollgateConfig } from './types.js';

/**
 * YAML through the `yaml` package: an alias bomb (a few hundred bytes whose aliases expand to
 * gigabytes) fails after 100 aliases instead of exhausting memory; `<<` merge keys still work.
 */
const MAX_YAML_ALIASES = 100;
const loadYaml: Loader = async (filepath, content) => {
  // Imported when a YAML file is read, not with the core.
  const { parse } = await import('yaml');
  try {
    return parse(content, { maxAliasCount: MAX_YAML_ALIASES, merge: true });
  } catch (err) {
    const message = (err as Error).message;
    if (/alias count/i.test(message)) throw new ConfigError(`${filepath}: YAML aliases expand beyond the limit of ${MAX_YAML_ALIASES} (an alias bomb?); write the values out instead.`);
    throw new ConfigError(`${filepath}: invalid YAML: ${message}`);
  }
};

/** LiteLLM's usual file name, searched last and only taken when it has a model_list. */
const LITELLM_CONFIG = 'config.yaml';

const explorer = cosmiconfig('tollgate', {
  searchStrategy: 'none',
  searchPlaces: [
    'package.json',
    '.tollgaterc',
    '.tollgaterc.json',
    '.tollgaterc.yaml',
    '.tollgaterc.yml',
    'tollgate.config.yaml',
    'tollgate.config.yml',
    'tollgate.config.json',
    'tollgate.config.js',
    'tollgate.config.mjs',
    'tollgate.config.ts',
    LITELLM_CONFIG,
  ],
  loaders: { '.yaml': loadYaml, '.yml': loadYaml, noExt: loadYaml },
});

export interface LoadConfigOptions {
  /** Where the search starts (default: the working directory). */
  searchFrom?: string;
  /** Where it stops, inclusive (default: the repository root, i.e. the first folder with `.git`, or the home folder). */
  stopDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Load a config: the file given, or the first one found from `searchFrom` upward to the repository
 * or home root (`tollgate.config.*`, `.tollgaterc*`, `package.json#tollgate`, then LiteLLM's
 * `config.yaml`). YAML, JSON, JS and TS files; LiteLLM's config.yaml loads as is. Settings the
 * config leaves unset are filled from LiteLLM's environment variables (see `settingsFromEnv`).
 */
export async function loadConfig(file?: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const result = file ? await read(path.resolve(file), file) : await search(path.resolve(options.searchFrom ?? process.cwd()), options.stopDir);
  if (!result) {
    const { config, warnings } = normalizeConfig({}, env);
    return { config: settingsFromEnv(config, env), warnings, filepath: null, dir: options.searchFrom ?? process.cwd() };
  }
  assertSafeKeys(result.config);
  const { config, warnings } = normalizeConfig(result.config, env);
  return { config: settingsFromEnv(config, env), warnings, filepath: result.filepath, dir: path.dirname(result.filepath) };
}

async function read(filepath: string, given: string): Promise<{ config: unknown; filepath: string } | null> {
  try {
    return await explorer.load(filepath);
  } catch (err) {
    throw readError(err, filepath, given);
  }
}

async function search(from: string, stopDir?: string): Promise<{ config: unknown; filepath: string } | null> {
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  const home = os.homedir();
  for (let dir = from; ; dir = path.dirname(dir)) {
    let found;
    try {
      found = await explorer.search(dir);
    } catch (err) {
      throw readError(err, (err as { filepath?: string }).filepath ?? dir);
    }
    if (found && !(path.basename(found.filepath) === LITELLM_CONFIG && !hasModelList(found.config))) return found;
    const last = stop ? dir === stop : dir === home || existsSync(path.join(dir, '.git'));
    if (last || path.dirname(dir) === dir) return null;
  }
}

function hasModelList(config: unknown): boolean {
  return !!config && typeof config === 'object' && Object.hasOwn(config, 'model_list');
}

function readError(err: unknown, filepath: string, given?: string): ConfigError {
  if (err instanceof ConfigError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' && given) return new ConfigError(`Config file not found: ${given} (looked at ${filepath}).`);
  if (/\.[cm]?ts$/.test(filepath) && /Cannot find (package|module) '?typescript'?/.test(e.message ?? '')) {
    return new ConfigError(`${filepath} is a TypeScript config, which needs the "typescript" package to load: npm i -D typescript (or use tollgate.config.yaml or .mjs).`);
  }
  return new ConfigError(`Could not read config ${filepath}: ${e.message}`);
}

/**
 * What LiteLLM reads straight from the environment, used when the config does not set it:
 * `TOLLGATE_MASTER_KEY` or `LITELLM_MASTER_KEY` -> settings.master_key, `DATABASE_URL` ->
 * settings.database_url, `REDIS_URL` (or `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD`) ->
 * settings.redis_url. An empty variable counts as unset.
 */
export function settingsFromEnv(config: TollgateConfig, env: NodeJS.ProcessEnv = process.env): TollgateConfig {
  const s = config.settings;
  const get = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  s.master_key ??= get('TOLLGATE_MASTER_KEY') ?? get('LITELLM_MASTER_KEY');
  s.database_url ??= get('DATABASE_URL');
  if (s.redis_url === undefined) {
    const host = get('REDIS_HOST');
    const password = get('REDIS_PASSWORD');
    const fromParts = host ? `redis://${password ? `:${encodeURIComponent(password)}@` : ''}${host.includes(':') ? `[${host}]` : host}:${get('REDIS_PORT') ?? '6379'}` : undefined;
    s.redis_url = get('REDIS_URL') ?? fromParts;
  }
  for (const k of ['master_key', 'database_url', 'redis_url'] as const) if (s[k] === undefined) delete s[k];
  return config;
}
