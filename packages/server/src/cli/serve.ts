import { ConfigError, loadConfig, type Gateway, type LoadedConfig, type Logger } from '@tollgate/core';
import { buildGateway } from '../build.js';
import { createTollgateServer, SERVER_VERSION, type TollgateServer } from '../server.js';
import type { CliOptions } from './args.js';
import { banner, listenUrl } from './banner.js';
import { describeFailure } from './errors.js';
import { cliLogger, exitAfterFlush } from './logging.js';

/** Load the config and build the gateway, as every process (single, primary, worker) does first. */
export async function prepare(opts: CliOptions): Promise<{ loaded: LoadedConfig; gateway: Gateway; logger: Logger }> {
  const loaded = await loadConfig(opts.config);
  if (opts.keepaliveTimeout !== undefined) loaded.config.settings.keepalive_timeout = opts.keepaliveTimeout;
  const logger = await cliLogger(opts.logLevel ?? (loaded.config.settings.log_level as string | undefined) ?? 'info');
  const gateway = await buildGateway(loaded, { logger });
  return { loaded, gateway, logger };
}

/** Where the banner goes: with the logs on a terminal, else stderr so stdout stays JSON lines. */
export function printBanner(text: string): void {
  (process.stdout.isTTY ? process.stdout : process.stderr).write(text);
}

/** Listen, or throw a one-line ConfigError naming the port and what to do. */
export async function listen(app: TollgateServer, opts: CliOptions): Promise<string> {
  try {
    const addr = await app.listen(opts.port, opts.host);
    return listenUrl(addr.address, addr.port);
  } catch (err) {
    throw new ConfigError(describeFailure(err, { host: opts.host, port: opts.port }));
  }
}

/**
 * Graceful stop on the first SIGTERM/SIGINT (drain in-flight requests, flush plugins), a forced
 * exit on the second. `signals` are the ones this process answers (a cluster worker leaves the
 * terminal's SIGINT to its primary).
 */
export function stopOnSignals(logger: Logger, close: () => Promise<void>, inFlight: () => number, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for in-flight requests');
      exitAfterFlush(logger, signal === 'SIGINT' ? 130 : 143);
      return;
    }
    stopping = true;
    logger.info({ signal, inFlight: inFlight() }, 'draining (send the signal again to exit at once)');
    close().then(
      () => { logger.info('stopped'); exitAfterFlush(logger, 0); },
      (err: unknown) => { logger.error({ err }, 'shutdown failed'); exitAfterFlush(logger, 1); },
    );
  };
  for (const s of signals) process.on(s, onSignal);
}

/** One process serving the port (no --num_workers, or a cluster worker). */
export async function serve(opts: CliOptions, worker?: { id: number; report: (m: WorkerMessage) => void }): Promise<void> {
  const { loaded, gateway, logger } = await prepare(opts);
  const app = createTollgateServer(gateway);
  const url = await listen(app, opts);
  logger.info({ url, models: gateway.models().data.map((m) => m.id), worker: worker?.id }, 'Tollgate listening');
  if (worker) worker.report({ tollgate: 'listening', url });
  else printBanner(banner(gateway, { version: SERVER_VERSION, url, configPath: loaded.filepath, workers: 1 }));
  // A terminal's Ctrl-C reaches every process of the group: workers leave it to the primary, which sends SIGTERM.
  if (worker) process.on('SIGINT', () => undefined);
  stopOnSignals(logger, () => app.close(), () => gateway.activeRequests, worker ? ['SIGTERM'] : ['SIGTERM', 'SIGINT']);
}

/** What a cluster worker tells its primary. */
export type WorkerMessage = { tollgate: 'listening'; url: string } | { tollgate: 'failed'; message: string };
