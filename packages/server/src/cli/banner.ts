import { pluginSpecName, type Gateway } from '@tollgate/core';

/** A URL for the address the server bound (IPv6 in brackets: http://[::]:4000). */
export function listenUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** host:port of a database or Redis URL, without its credentials. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol.replace(/:$/, '')} ${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return 'configured';
  }
}

export interface BannerInfo {
  version: string;
  url: string;
  configPath: string | null;
  workers: number;
}

/** The start-up summary a person reads: what is served, from which config, with what protection. */
export function banner(gateway: Gateway, info: BannerInfo): string {
  const s = gateway.config.settings;
  const models = gateway.models().data.map((m) => {
    const deployments = gateway.group(m.id)?.deployments ?? [];
    return `${m.id} -> ${deployments.map((d) => `${d.provider}/${d.providerModel}`).join(', ')}`;
  });
  const plugins = gateway.config.plugins.map((p) => pluginSpecName(p).name);
  const stores = [s.database_url ? where(String(s.database_url)) : null, s.redis_url ? where(String(s.redis_url)) : null].filter(Boolean);
  const lines = [
    `Tollgate ${info.version} listening on ${info.url}${info.workers > 1 ? ` (${info.workers} workers)` : ''}`,
    `  config:  ${info.configPath ?? 'none found (no models)'}`,
    `  models:  ${models.length ? models.join('\n           ') : 'none'}`,
    `  plugins: ${plugins.length ? plugins.join(', ') : 'none'}`,
    `  auth:    ${s.master_key ? 'on (master key)' : 'off: any client that reaches this address can use it (set settings.master_key)'}`,
    `  stores:  ${stores.length ? stores.join(', ') : 'in memory (this process only)'}`,
    `  cors:    ${Array.isArray(s.cors_allow_origins) && s.cors_allow_origins.length ? (s.cors_allow_origins as string[]).join(', ') : 'no browser origins (settings.cors_allow_origins)'}`,
  ];
  return `${lines.join('\n')}\n`;
}
