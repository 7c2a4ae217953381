import { ConfigError } from '../errors.js';
import { formatPath } from './path.js';

const FULL_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
const INLINE_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Resolve environment references in every string of a config: a whole value `os.environ/NAME`
 * (LiteLLM's form) or `${NAME}` / `${NAME:-default}` inside a string. A missing variable is an
 * error naming it and where it was referenced.
 */
export function resolveEnv(value: unknown, env: NodeJS.ProcessEnv = process.env, path: (string | number)[] = []): unknown {
  const missing: string[] = [];
  const out = walk(value, env, path, missing);
  if (missing.length === 1) throw new ConfigError(`Environment variable ${missing[0]}.`);
  if (missing.length > 1) throw new ConfigError(`Environment variables are not set: ${missing.join('; ')}.`);
  return out;
}

function walk(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[], missing: string[]): unknown {
  if (typeof value === 'string') {
    const full = FULL_REF.exec(value);
    if (full) return lookup(full[1], env, path, missing);
    if (!value.includes('${')) return value;
    return value.replace(INLINE_REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      return lookup(name, env, path, missing);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, env, [...path, i], missing));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, env, [...path, k], missing);
    return out;
  }
  return value;
}

function lookup(name: string, env: NodeJS.ProcessEnv, path: (string | number)[], missing: string[]): string {
  const v = env[name];
  if (v === undefined) {
    missing.push(`${name} is not set (referenced at ${formatPath(path) || 'the config root'})`);
    return '';
  }
  return v;
}
