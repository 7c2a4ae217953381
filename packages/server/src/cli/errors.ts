import { ConfigError } from '@tollgate/core';
import { UsageError } from './args.js';

/** Where the server was asked to listen, for messages about it. */
export interface ListenTarget {
  host: string;
  port: number;
}

/**
 * Everyday start-up failures as one line that says what to do; anything else as its message
 * (the stack only with --detailed_debug).
 */
export function describeFailure(err: unknown, target?: ListenTarget, withStack = false): string {
  if (err instanceof UsageError || err instanceof ConfigError) return err.message;
  const e = err as NodeJS.ErrnoException & { hostname?: string };
  const host = target?.host.includes(':') ? `[${target.host}]` : target?.host;
  const where = target ? `${host}:${target.port}` : '';
  // Only an error about the address the server was asked to listen on is about --host or --port.
  // (cluster workers report the bind; a resolver error names the host it looked up).
  const aboutListen = e?.syscall === 'listen' || e?.syscall === 'bind' || (e?.hostname !== undefined && e.hostname === target?.host);
  switch (aboutListen ? e?.code : undefined) {
    case 'EADDRINUSE':
      return `port ${target?.port} is already in use on ${host}: stop the process using it, or pick another port with --port`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${target?.host} is not an address of this machine (--host)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `unknown host "${target?.host ?? e.hostname}" (--host): use an IP address, or a name this machine resolves`;
    case 'EACCES':
      return `not allowed to listen on ${where}: ports below 1024 need privileges; pick another with --port`;
    case 'ERR_MODULE_NOT_FOUND':
      return `${e.message.split('\n')[0]}`;
    default:
      return withStack && e?.stack ? e.stack : String(e?.message ?? err);
  }
}
