import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Plugin, PluginSpec } from '../plugin.js';

export function pluginSpecName(spec: PluginSpec): { name: string; options: Record<string, unknown> | undefined } {
  if (typeof spec === 'string') return { name: spec, options: undefined };
  if (Array.isArray(spec)) return { name: spec[0], options: spec[1] };
  return { name: spec.name, options: spec.options };
}

/**
 * Import a plugin named in a config. A relative path is resolved from the first directory (the
 * config file's); a package name from each directory in turn (the config's, the working
 * directory, the server's own installation). Accepts a default-exported plugin object, a class
 * with `apply`, or a factory function returning a plugin. A package that is installed but fails to
 * load reports its own error, never "not installed".
 */
export async function importPlugin(name: string, dirs: readonly string[]): Promise<Plugin> {
  const resolved = resolvePlugin(name, dirs);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`Plugin "${name}" (${resolved}) failed to load: ${(err as Error).message}`);
  }
  const exported = mod.default ?? mod.plugin ?? mod;
  return instantiate(exported, name);
}

/** Where a package name resolves from these directories, or undefined when it is not installed there. */
export function resolvePackage(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    try {
      return createRequire(path.join(dir, '__tollgate__.js')).resolve(name);
    } catch {
      // An ESM-only package exports only the "import" condition, which require.resolve cannot see.
      const found = findEsmEntry(name, dir);
      if (found) return found;
    }
  }
  return undefined;
}

function resolvePlugin(name: string, dirs: readonly string[]): string {
  if (name.startsWith('.') || path.isAbsolute(name)) {
    const p = path.resolve(dirs[0] ?? process.cwd(), name);
    if (!existsSync(p)) throw new ConfigError(`Plugin file ${name} not found: looked for ${p} (relative paths are resolved from the config file's folder).`);
    return p;
  }
  const found = resolvePackage(name, dirs);
  if (found) return found;
  throw new ConfigError(`Plugin "${name}" is not installed (looked in ${dirs.join(', ')}). Install it: npm i ${name}`);
}

/** Walk up node_modules folders and read the package's "import" entry point. */
function findEsmEntry(name: string, fromDir: string): string | undefined {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', name);
    const manifest = path.join(pkgDir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; module?: string; main?: string };
      const entry = importEntry(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
      return path.join(pkgDir, entry);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function importEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const e = exports as Record<string, unknown>;
  const root = '.' in e ? e['.'] : e;
  if (typeof root === 'string') return root;
  if (!root || typeof root !== 'object') return undefined;
  const r = root as Record<string, unknown>;
  for (const cond of ['import', 'node', 'default']) {
    const v = r[cond];
    if (typeof v === 'string') return v;
    const nested = importEntry(v);
    if (nested) return nested;
  }
  return undefined;
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
