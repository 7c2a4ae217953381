import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './errors.js';
import type { Plugin, PluginSpec } from './plugin.js';

export function pluginSpecName(spec: PluginSpec): { name: string; options: Record<string, unknown> | undefined } {
  if (typeof spec === 'string') return { name: spec, options: undefined };
  if (Array.isArray(spec)) return { name: spec[0], options: spec[1] };
  return { name: spec.name, options: spec.options };
}

/**
 * Import a plugin named in a config, resolved from the config file's directory (so a project's
 * own node_modules and relative paths work). Accepts a default-exported plugin object, a class
 * with `apply`, or a factory function returning a plugin.
 */
export async function importPlugin(name: string, fromDir: string): Promise<Plugin> {
  const require = createRequire(path.join(fromDir, '__tollgate_config__.js'));
  let resolved: string;
  try {
    resolved = require.resolve(name);
  } catch {
    // ESM-only packages without a "require" export condition: try the import condition by path.
    if (name.startsWith('.') || path.isAbsolute(name)) resolved = path.resolve(fromDir, name);
    else {
      throw new ConfigError(`Plugin "${name}" is not installed (resolved from ${fromDir}). Install it: pnpm add ${name}`);
    }
  }
  const mod = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  const exported = mod.default ?? mod.plugin ?? mod;
  return instantiate(exported, name);
}

function instantiate(exported: unknown, name: string): Plugin {
  if (typeof exported === 'function') {
    const proto = (exported as { prototype?: { apply?: unknown } }).prototype;
    const made = proto && typeof proto.apply === 'function' ? new (exported as new () => Plugin)() : (exported as () => Plugin)();
    return instantiate(made, name);
  }
  if (exported && typeof exported === 'object' && typeof (exported as Plugin).apply === 'function') {
    const p = exported as Plugin;
    if (typeof p.name !== 'string' || !p.name) throw new ConfigError(`Plugin "${name}" has no name.`);
    return p;
  }
  throw new ConfigError(`"${name}" does not export a Tollgate plugin (an object with name and apply(gateway, options)).`);
}
