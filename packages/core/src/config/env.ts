import { ConfigError } from '../errors.js';
import { formatPath } from './path.js';

const FULL_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
const INLINE_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Keys that reach an object's prototype when assigned: never meaningful in a config. */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuse `__proto__`, `constructor` and `prototype` anywhere in a config, naming where: copied
 * into settings (`Object.assign`, `out[k] = v`), `__proto__` would replace an object's prototype
 * and make its keys take effect invisibly. Every such key is reported at once.
 */
export function assertSafeKeys(value: unknown): void {
  const found: string[] = [];
  const seen = new Set<object>();
  const visit = (v: unknown, at: (string | number)[]): void => {
    if (!v || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, [...at, i]));
    for (const k of Object.keys(v)) {
      if (UNSAFE_KEYS.has(k)) found.push(formatPath([...at, k]));
      else visit((v as Record<string, unknown>)[k], [...at, k]);
    }
  };
  visit(value, []);
  if (found.length) throw new ConfigError(`Config keys that are not allowed (they would reach the object prototype): ${found.join(', ')}.`);
}

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
    for (const [k, v] of Object.entries(value)) {
      if (UNSAFE_KEYS.has(k)) throw new ConfigError(`Config keys that are not allowed (they would reach the object prototype): ${formatPath([...path, k])}.`);
      out[k] = walk(v, env, [...path, k], missing);
    }
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
