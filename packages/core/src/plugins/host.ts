import semver from 'semver';
import type { KeyOwner } from '../config/keys.js';
import { ConfigError } from '../errors.js';
import type { Plugin, PluginSpec } from '../plugin.js';
import { compileSchema, describeErrors } from '../validation.js';
import { importPlugin, pluginSpecName } from './loader.js';

/**
 * A deep copy of plain data (objects and arrays), passing everything else through by reference:
 * a pg Pool, an ioredis client or a callback given in code stays itself, while ajv may fill
 * schema defaults into the copy without touching the caller's object.
 */
export function clonePlainData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clonePlainData) as T;
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clonePlainData(v);
    return out as T;
  }
  return value;
}

export interface PluginHostOptions {
  coreVersion: string;
  /** Directories package names are resolved from, in order (config dir, cwd, server install). */
  dirs: string[];
  /** Longest an `apply()` may take before start-up fails naming the plugin. */
  applyTimeoutMs: number;
}

/**
 * Registers plugins: checks metadata (core range with semver, declared dependencies), validates
 * options against the plugin's schema, and runs `apply` with a deadline. Remembers the config keys
 * each plugin declared, for the start-up check.
 */
export class PluginHost<G> {
  readonly names = new Set<string>();
  readonly owners: KeyOwner[] = [];

  constructor(private readonly gateway: G, private readonly o: PluginHostOptions) {}

  async resolve(plugin: Plugin | PluginSpec, options: unknown): Promise<{ plugin: Plugin; options: unknown }> {
    if (typeof plugin === 'object' && !Array.isArray(plugin) && typeof (plugin as Plugin).apply === 'function') return { plugin: plugin as Plugin, options };
    const spec = pluginSpecName(plugin as PluginSpec);
    return { plugin: await importPlugin(spec.name, this.o.dirs), options: spec.options ?? options };
  }

  async use(p: Plugin, options: unknown): Promise<void> {
    if (this.names.has(p.name)) throw new ConfigError(`Plugin "${p.name}" is registered twice.`);
    const range = p.meta?.core;
    if (range) {
      if (!semver.validRange(range)) throw new ConfigError(`Plugin "${p.name}" declares an invalid core range "${range}".`);
      if (!semver.satisfies(this.o.coreVersion, range, { includePrerelease: true })) {
        throw new ConfigError(`Plugin "${p.name}" supports @tollgate/core ${range}, but this is ${this.o.coreVersion}.`);
      }
    }
    for (const dep of p.meta?.dependencies ?? []) {
      if (!this.names.has(dep)) throw new ConfigError(`Plugin "${p.name}" needs plugin "${dep}" registered before it.`);
    }
    const opts = options === undefined ? {} : clonePlainData(options);
    if (p.schema) {
      const validate = compileSchema(p.schema);
      if (!validate(opts)) throw new ConfigError(`Invalid options for plugin "${p.name}": ${describeErrors(validate.errors, 'options').join('; ')}`);
    }
    this.names.add(p.name);
    if (p.config) this.owners.push({ name: p.name, keys: p.config });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConfigError(`Plugin "${p.name}" did not finish starting within ${this.o.applyTimeoutMs / 1000} s (its apply() never settled).`)), this.o.applyTimeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(() => p.apply(this.gateway as never, opts)), deadline]);
    } catch (err) {
      // A plugin's own configuration errors read as they are; anything else (a database it could
      // not reach) names the plugin, so a start-up failure says where it came from.
      if (err instanceof ConfigError) throw err;
      throw Object.assign(new ConfigError(`Plugin "${p.name}" failed to start: ${(err as Error)?.message ?? String(err)}`), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
