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

/** Opens the store a config names and applies its migrations. */
export async function openStore(option: StoreOption): Promise<Store> {
  let store: SqlStore;
  if (typeof option === 'string' && /^postgres(ql)?:\/\//i.test(option)) {
    const { default: pg } = await import('pg');
    store = new SqlStore(new PostgresDriver(new pg.Pool({ connectionString: option }), true));
  } else if (typeof option === 'string' || 'sqlite' in option) {
    const path = typeof option === 'string' ? option.replace(/^(sqlite|file):(\/\/)?/i, '') : option.sqlite;
    if (!path) throw new ConfigError('keys: an empty SQLite path; give a file such as ./tollgate.db');
    store = new SqlStore(new SqliteDriver(path));
  } else {
    store = new SqlStore(new PostgresDriver(option.postgres));
  }
  await store.migrate();
  return store;
}
