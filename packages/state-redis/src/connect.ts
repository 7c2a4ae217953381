import { Redis, type RedisOptions } from 'ioredis';

/** Where a Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), or host and port with credentials. */
export interface RedisConnection {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
}

/** An ioredis client for a connection (default 127.0.0.1:6379), with the caller's behaviour (timeouts, offline queue, retries). */
export function connectRedis(c: RedisConnection, behaviour: RedisOptions): Redis {
  if (c.url) return new Redis(c.url, behaviour);
  return new Redis({ ...behaviour, host: c.host ?? '127.0.0.1', port: c.port ?? 6379, username: c.username, password: c.password, db: c.db });
}
