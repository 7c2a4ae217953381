import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { normalizeConfig } from './normalize.js';
import type { LoadedConfig } from './types.js';

const explorer = cosmiconfig('tollgate', {
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
  ],
});

/**
 * Load a config: the file given, or the first one cosmiconfig finds from `searchFrom` upward.
 * YAML, JSON, JS and TS files; LiteLLM's config.yaml loads as is.
 */
export async function loadConfig(file?: string, options: { searchFrom?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  let result;
  try {
    result = file ? await explorer.load(path.resolve(file)) : await explorer.search(options.searchFrom);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ConfigError(`Config file not found: ${file}`);
    throw new ConfigError(`Could not read config ${file ?? ''}: ${e.message}`);
  }
  if (!result) {
    const { config, warnings } = normalizeConfig({}, options.env);
    return { config, warnings, filepath: null, dir: options.searchFrom ?? process.cwd() };
  }
  const { config, warnings } = normalizeConfig(result.config, options.env);
  return { config, warnings, filepath: result.filepath, dir: path.dirname(result.filepath) };
}
