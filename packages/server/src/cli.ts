#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@tollgate/core';
import { buildGateway } from './build.js';
import { createTollgateServer, SERVER_VERSION } from './server.js';

const USAGE = `Usage: tollgate start [--config FILE] [--port N] [--host H]

  --config, -c  Config file (YAML, JSON, JS or TS; a LiteLLM config.yaml works).
                Default: tollgate.config.* / .tollgaterc found from the current directory.
  --port, -p    Port (default 4000, or $PORT)
  --host        Interface to bind (default 127.0.0.1, or $HOST)
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) { process.stdout.write(`${SERVER_VERSION}\n`); return 0; }
  if (values.help || positionals[0] !== 'start') { process.stdout.write(USAGE); return values.help ? 0 : 2; }
  const port = Number(values.port ?? process.env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { process.stderr.write(`Invalid --port: ${values.port}\n`); return 2; }
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';

  const gateway = await buildGateway(await loadConfig(values.config));
  const app = createTollgateServer(gateway);
  const addr = await app.listen(port, host);
  gateway.logger.info({ url: `http://${addr.address}:${addr.port}`, models: gateway.models().data.map((m) => m.id) }, 'Tollgate listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info({ signal, inFlight: gateway.activeRequests }, 'draining');
    app.close().then(
      () => { gateway.logger.info('stopped'); process.exit(0); },
      (err: unknown) => { gateway.logger.error({ err }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`tollgate: ${err.message}\n`);
    else process.stderr.write(`tollgate: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
