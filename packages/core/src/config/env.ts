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
  if (typeof value === 'string') {
    const full = FULL_REF.exec(value);
    if (full) return lookup(full[1], env, path);
    if (!value.includes('${')) return value;
    return value.replace(INLINE_REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      return lookup(name, env, path);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnv(v, env, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveEnv(v, env, [...path, k]);
    return out;
  }
  return value;
}

function lookup(name: string, env: NodeJS.ProcessEnv, path: (string | number)[]): string {
  const v = env[name];
  if (v === undefined) {
    throw new ConfigError(`Environment variable ${name} is not set (referenced at ${formatPath(path) || 'the config root'}).`);
  }
  return v;
}
