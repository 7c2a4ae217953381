import type { Gateway } from './gateway.js';

/**
 * A plugin: a plain object (or class instance) — no decorators needed. `apply` taps hooks and
 * registers services; it runs once, at start-up, with options already validated against `schema`.
 */
export interface Plugin<Options = any> {
  readonly name: string;
  /** JSON Schema for the options; validated by ajv at registration, errors name the path. */
  readonly schema?: Record<string, unknown>;
  readonly meta?: {
    /** Names of plugins that must be registered first. */
    dependencies?: readonly string[];
    /** Core versions supported, e.g. "^0.1.0" or ">=0.1.0". */
    core?: string;
  };
  apply(gateway: Gateway, options: Options): void | Promise<void>;
}

/** A `plugins:` entry in config: a package name / path, or [name, options]. */
export type PluginSpec = string | [string, Record<string, unknown>?] | { name: string; options?: Record<string, unknown> };

function parse(v: string): number[] {
  return v.replace(/^[^\d]*/, '').split('.').map((x) => Number.parseInt(x, 10) || 0);
}
function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Enough of semver for plugin metadata: "^x.y.z", "~x.y.z", ">=x.y.z", "x.y.z", "*". */
export function satisfiesRange(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alt) =>
    alt.trim().split(/\s+/).every((r) => {
      if (r === '*' || r === '') return true;
      const t = parse(r);
      if (r.startsWith('>=')) return cmp(v, t) >= 0;
      if (r.startsWith('<')) return cmp(v, t) < 0;
      if (r.startsWith('^')) {
        if (cmp(v, t) < 0) return false;
        const i = t[0] !== 0 ? 0 : t[1] !== 0 ? 1 : 2;
        return v.slice(0, i + 1).every((x, k) => x === t[k]);
      }
      if (r.startsWith('~')) return cmp(v, t) >= 0 && v[0] === t[0] && v[1] === t[1];
      return cmp(v, t) === 0;
    }),
  );
}

/** The plugin an adapter package exports: registers one adapter, nothing else. */
export function adapterPlugin(name: string, adapter: import('./adapter.js').ProviderAdapter, core = '^0.1.0'): Plugin {
  return {
    name,
    meta: { core },
    apply(gateway) {
      gateway.registerAdapter(adapter);
    },
  };
}
