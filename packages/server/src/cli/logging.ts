import { createLogger, type Logger } from '@tollgate/core';

/**
 * The CLI's logger: JSON lines (for collectors) unless stdout is a terminal, where pino-pretty
 * makes them readable; pino-pretty is imported only then. TOLLGATE_LOG_FORMAT overrides.
 */
export async function cliLogger(level: string, env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const format = env.TOLLGATE_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    return createLogger({ level, destination: pretty({ colorize: !env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }) });
  }
  return createLogger({ level });
}

/**
 * Exit once buffered log lines are written. When stdout is a closed pipe (`tollgate start | head -1`)
 * the pending write fails with EPIPE, which pino turns into a no-op stream; exiting with lines
 * still buffered would instead retry EPIPE forever in sonic-boom's exit-time flushSync.
 */
export function exitAfterFlush(logger: Logger, code: number): void {
  let done = false;
  const exit = (): void => {
    if (done) return;
    done = true;
    process.exit(code);
  };
  try {
    logger.flush(() => exit());
  } catch {
    exit();
  }
  setTimeout(exit, 1000).unref();
}
