import Database from 'better-sqlite3';
import type { Row, SqlDriver, Statement } from './sql-store.js';

/**
 * better-sqlite3 is synchronous: every call finishes before the next starts, so a batch is a
 * real transaction and nothing interleaves with it. WAL lets readers run beside the writer.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  private readonly db: Database.Database;
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
  }

  private stmt(sql: string): Database.Statement {
    let s = this.prepared.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      // DDL changes the schema; keep only statements that will be run again.
      if (!/^\s*(CREATE|ALTER|DROP)/i.test(sql)) this.prepared.set(sql, s);
    }
    return s;
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.stmt(sql).all(...params) as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.stmt(sql).run(...params).changes;
  }

  async batch(statements: readonly Statement[]): Promise<void> {
    this.db.transaction(() => {
      for (const [sql, params] of statements) this.stmt(sql).run(...params);
    }).immediate();
  }

  /**
   * Each migration runs in a BEGIN IMMEDIATE transaction that starts with its version row: a
   * second process waits for the write lock (busy_timeout), then fails on that row and skips.
   */
  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  isUniqueViolation(err: unknown): boolean {
    return typeof (err as { code?: string }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_CONSTRAINT');
  }

  async close(): Promise<void> {
    this.prepared.clear();
    if (this.db.open) this.db.close();
  }
}
