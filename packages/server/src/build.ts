import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, Gateway, loadConfig, pluginSpecName, type GatewayOptions, type LoadedConfig, type Plugin, type PluginSpec } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import mock from '@tollgate/adapter-mock';
import { masterKeyAuth } from './auth.js';

/** Which package serves a provider id that the bundled adapters do not. */
export const PROVIDER_PACKAGES: Readonly<Record<string, string>> = {
  anthropic: '@tollgate/adapter-anthropic',
  gemini: '@tollgate/adapter-gemini',
  vertex_ai: '@tollgate/adapter-gemini',
  vertex_ai_beta: '@tollgate/adapter-gemini',
  bedrock: '@tollgate/adapter-bedrock',
  bedrock_converse: '@tollgate/adapter-bedrock',
  cohere: '@tollgate/adapter-cohere',
  cohere_chat: '@tollgate/adapter-cohere',
  ollama_chat: '@tollgate/adapter-ollama',
};

async function tryImport(pkg: string, dirs: string[]): Promise<Plugin | undefined> {
  for (const dir of dirs) {
    try {
      const resolved = createRequire(path.join(dir, '__tollgate__.js')).resolve(pkg);
      const mod = (await import(pathToFileURL(resolved).href)) as { default?: Plugin };
      if (mod.default) return mod.default;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** A plugin given as a path must exist: say which file was looked for instead of an import stack trace. */
function assertPluginFile(spec: PluginSpec, dir: string): void {
  if (typeof spec === 'object' && !Array.isArray(spec) && typeof (spec as Plugin).apply === 'function') return;
  const { name } = pluginSpecName(spec);
  if (!name.startsWith('.') && !path.isAbsolute(name)) return;
  const file = path.resolve(dir, name);
  if (!existsSync(file)) throw new ConfigError(`Plugin file ${name} not found: looked for ${file} (relative paths are resolved from the config file's folder).`);
}

/**
 * The reference server's gateway: bundled adapters (OpenAI family, mock), adapters for other
 * configured providers loaded when installed, master-key auth when configured, then the
 * config's own plugins.
 */
export async function buildGateway(loaded: LoadedConfig, options: Omit<GatewayOptions, 'config' | 'pluginDir'> = {}): Promise<Gateway> {
  const gateway = new Gateway({ ...options, config: loaded.config, pluginDir: loaded.dir });
  for (const w of loaded.warnings) gateway.logger.warn(w);
  for (const [provider, pkg] of Object.entries(PROVIDER_PACKAGES)) gateway.setProviderPackage(provider, pkg);
  await gateway.use(openai);
  await gateway.use(mock);
  if (loaded.config.settings.master_key) await gateway.use(masterKeyAuth(loaded.config.settings.master_key));
  for (const spec of loaded.config.plugins) {
    assertPluginFile(spec, loaded.dir);
    await gateway.use(spec);
  }
  const here = path.dirname(new URL(import.meta.url).pathname);
  const loadedPkgs = new Set<string>();
  for (const provider of gateway.configuredProviders()) {
    if (gateway.hasAdapter(provider)) continue;
    const pkg = gateway.providerPackage(provider);
    if (loadedPkgs.has(pkg)) continue;
    const plugin = await tryImport(pkg, [loaded.dir, process.cwd(), here]);
    if (plugin) {
      loadedPkgs.add(pkg);
      await gateway.use(plugin);
    }
  }
  await gateway.start();
  return gateway;
}

export async function buildGatewayFromFile(file?: string, options: Omit<GatewayOptions, 'config' | 'pluginDir'> = {}): Promise<Gateway> {
  return buildGateway(await loadConfig(file), options);
}
