import { pino } from 'pino';
import { createLogger, normalizeConfig, type Logger, type Plugin } from '@tollgate/core';
import { buildGateway, createTollgateServer, type TollgateServer } from '@tollgate/server';

export const silent = pino({ level: 'silent' });

export interface Running {
  app: TollgateServer;
  url: string;
  close(): Promise<void>;
}

/** Start the reference server on 127.0.0.1 with a config object, as `tollgate start` would. */
export async function startServer(raw: Record<string, unknown>, extraPlugins: Plugin[] = [], logger: Logger = silent): Promise<Running> {
  const { config, warnings } = normalizeConfig(raw);
  config.plugins = [...config.plugins, ...(extraPlugins as never[])];
  const gateway = await buildGateway({ config, warnings, filepath: null, dir: process.cwd() }, { logger });
  const app = createTollgateServer(gateway, { requestLog: logger !== silent });
  const addr = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${addr.port}`;
  return { app, url, close: () => app.close(2000) };
}

/** A logger that keeps its lines (parsed) in memory, with Tollgate's redaction. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } } });
  return { logger, lines };
}
