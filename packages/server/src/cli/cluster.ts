import cluster, { type Worker } from 'node:cluster';
import { SERVER_VERSION } from '../server.js';
import type { CliOptions } from './args.js';
import { banner } from './banner.js';
import { exitAfterFlush } from './logging.js';
import { prepare, printBanner, type WorkerMessage } from './serve.js';

/**
 * --num_workers N: N processes serving one port through node:cluster (the primary accepts and
 * hands connections round-robin). Each worker has its own memory, so keys, rate limits and caches
 * are shared only through Redis and PostgreSQL. The primary builds the gateway once to fail fast
 * on a bad config, prints the banner once every worker listens, restarts a worker that dies while
 * serving, and on SIGTERM/SIGINT stops them all gracefully (a second signal: at once).
 */
export async function runPrimary(opts: CliOptions, fail: (message: string) => void): Promise<void> {
  const { loaded, gateway, logger } = await prepare(opts);
  await gateway.close(1000);
  const listening = new Set<Worker>();
  let url = '';
  let stopping = false;
  let started = false;

  const fork = (): void => {
    const w = cluster.fork();
    w.on('message', (m: WorkerMessage) => {
      if (m?.tollgate === 'failed') {
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGKILL');
        fail(m.message);
      } else if (m?.tollgate === 'listening') {
        listening.add(w);
        url = m.url;
        if (!started && listening.size === opts.numWorkers) {
          started = true;
          printBanner(banner(gateway, { version: SERVER_VERSION, url, configPath: loaded.filepath, workers: opts.numWorkers }));
        }
      }
    });
    w.on('exit', (code, signal) => {
      const wasServing = listening.delete(w);
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) exitAfterFlush(logger, 0);
        return;
      }
      logger.error({ worker: w.id, code, signal }, wasServing ? 'worker died; starting another' : 'worker exited before it listened');
      if (wasServing) fork();
      else { stopping = true; fail(`a worker exited with code ${code ?? signal} before it listened`); }
    });
  };
  for (let i = 0; i < opts.numWorkers; i++) fork();

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    if (signals === 1) logger.info({ signal, workers: workers.length }, 'draining every worker (send the signal again to exit at once)');
    for (const w of workers) w.process.kill(signals === 1 ? 'SIGTERM' : 'SIGKILL');
    if (workers.length === 0 || signals > 1) exitAfterFlush(logger, signals > 1 ? (signal === 'SIGINT' ? 130 : 143) : 0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
