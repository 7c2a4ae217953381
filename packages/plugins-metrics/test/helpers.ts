import { pino } from 'pino';
import { normalizeConfig, type Plugin } from '@tollgate/core';
import { buildGateway, createTollgateServer, type TollgateServer } from '@tollgate/server';

export interface Running {
  app: TollgateServer;
  url: string;
  close(): Promise<void>;
}

/** A plugin object with its options bound, as a config's `[name, options]` entry would load it. */
export function withOptions<O>(plugin: Plugin<O>, options: O): Plugin {
  return { ...plugin, apply: (g) => plugin.apply(g, options) };
}

/** The reference server on 127.0.0.1 with a config object and plugin objects, as `tollgate start` builds it. */
export async function startServer(raw: Record<string, unknown>, plugins: Plugin[], logger = pino({ level: 'silent' })): Promise<Running> {
  const { config, warnings } = normalizeConfig(raw);
  config.plugins = [...config.plugins, ...(plugins as never[])];
  const gateway = await buildGateway({ config, warnings, filepath: null, dir: process.cwd() }, { logger });
  const app = createTollgateServer(gateway);
  const addr = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${addr.port}`, close: () => app.close(2000) };
}
