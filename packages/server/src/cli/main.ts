import cluster from 'node:cluster';
import { SERVER_VERSION } from '../server.js';
import { HELP, parseCli, UsageError, type CliOptions } from './args.js';
import { runPrimary } from './cluster.js';
import { describeFailure } from './errors.js';
import { serve, type WorkerMessage } from './serve.js';

function fail(message: string, code = 1): never {
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(code);
}

/** The `tollgate` command. Every failure a user can cause ends in one line on stderr, never a stack. */
export async function main(argv: string[]): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) fail(err.message, 2);
    throw err;
  }
  if (opts.help) { process.stdout.write(HELP); return; }
  if (opts.version) { process.stdout.write(`${SERVER_VERSION}\n`); return; }
  const debug = opts.logLevel === 'debug' || opts.logLevel === 'trace';
  try {
    if (cluster.isWorker) {
      const report = (m: WorkerMessage): void => { process.send?.(m); };
      // The primary prints the one line; the worker only tells it.
      await serve(opts, { id: cluster.worker!.id, report }).catch((err: unknown) => {
        report({ tollgate: 'failed', message: describeFailure(err, { host: opts.host, port: opts.port }, debug) });
        setTimeout(() => process.exit(1), 100).unref();
      });
    } else if (opts.numWorkers > 1) {
      await runPrimary(opts, (message) => fail(message));
    } else {
      await serve(opts);
    }
  } catch (err) {
    fail(describeFailure(err, { host: opts.host, port: opts.port }, debug));
  }
}
