import { ConfigError } from '@tollgate/core';
import { PostgresDriver } from './postgres.js';
import { SqliteDriver } from './sqlite.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

export type StoreOption =
  /** A `postgres://` / `postgresql://` URL (LiteLLM's `database_url`), or a SQLite file path. */
  | string
  | { sqlite: string }
  /** A pg Pool you own (you end it); its search_path decides the schema. */
  | { postgres: import('pg').Pool };

export interface OpenStoreOptions {
  /** Connections in the PostgreSQL pool (LiteLLM's database_connection_pool_limit; default 10). */
  poolMax?: number;
}

export const isPostgresUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);

/**
 * A pg config from a URL. Prisma's `?schema=NAME` (which LiteLLM users put in DATABASE_URL) picks
 * the schema, created when missing, as Prisma does; pg itself has no such parameter.
 */
async function pgPool(url: string, poolMax: number | undefined): Promise<import('pg').Pool> {
  const { default: pg } = await import('pg');
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(schema)) throw new ConfigError(`database_url: schema "${schema}" is not a plain identifier.`);
  const pool = new pg.Pool({ connectionString: u.toString(), ...(schema ? { options: `-c search_path=${schema}` } : {}), ...(poolMax ? { max: poolMax } : {}) });
  // An idle connection dropped by the server (a restart, an outage) must not crash the process: the
  // next query fails instead, and the engine serves keys already seen and keeps spend for later.
  pool.on('error', () => undefined);
  if (schema) {
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }
  return pool;
}

/** Opens the store a config names and applies its migrations. */
export async function openStore(option: StoreOption, options: OpenStoreOptions = {}): Promise<Store> {
  let store: SqlStore;
  if (typeof option === 'string' && isPostgresUrl(option)) {
    store = new SqlStore(new PostgresDriver(await pgPool(option, options.poolMax), true));
  } else if (typeof option === 'string' || 'sqlite' in option) {
    const path = typeof option === 'string' ? option.replace(/^(sqlite|file):(\/\/)?/i, '') : option.sqlite;
    if (!path) throw new ConfigError('keys: an empty SQLite path; give a file such as ./tollgate.db');
    store = new SqlStore(new SqliteDriver(path));
  } else {
    store = new SqlStore(new PostgresDriver(option.postgres));
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
