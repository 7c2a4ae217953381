import type pg from 'pg';
import type { Row, SqlDriver, Statement } from './sql-store.js';

/** `?` placeholders become `$1, $2, ...` (our SQL never has a `?` inside a literal). */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/**
 * PostgreSQL through a pg Pool owned by the caller (its search_path picks the schema). Batches
 * run on one client inside BEGIN/COMMIT; migrations hold a session advisory lock, keyed by the
 * schema, so two processes starting together apply each migration once.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';

  constructor(private readonly pool: pg.Pool, private readonly ownsPool = false) {}

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(numbered(sql), params as unknown[])).rows as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.pool.query(numbered(sql), params as unknown[])).rowCount ?? 0;
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const [sql, params] of statements) await client.query(numbered(sql), params as unknown[]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const key = "hashtext('tollgate-keys:' || current_schema())";
    try {
      await client.query(`SELECT pg_advisory_lock(${key})`);
      try {
        return await fn();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${key})`);
      }
    } finally {
      client.release();
    }
  }

  isUniqueViolation(err: unknown): boolean {
    return (err as { code?: string }).code === '23505';
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
