import type { ProviderAdapter } from './adapter.js';
import type { ConfigKeys } from './config/keys.js';
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
    /** Core versions supported, a semver range ("^0.1.0", ">=0.1.0 <0.3.0"). */
    core?: string;
  };
  /**
   * Config keys this plugin reads (under `settings`, `router`, deployment `params`, `model_info`,
   * or top-level sections), each with a JSON schema: validated at start-up with errors naming the
   * path, and never reported as unknown.
   */
  readonly config?: ConfigKeys;
  apply(gateway: Gateway, options: Options): void | Promise<void>;
}

/** A `plugins:` entry in config: a package name / path, or [name, options]. */
export type PluginSpec = string | [string, Record<string, unknown>?] | { name: string; options?: Record<string, unknown> };

/** The plugin an adapter package exports: registers one adapter (and declares its param keys), nothing else. */
export function adapterPlugin(name: string, adapter: ProviderAdapter, core = '^0.1.0'): Plugin {
  return {
    name,
    meta: { core },
    apply(gateway) {
      gateway.registerAdapter(adapter);
    },
  };
}
