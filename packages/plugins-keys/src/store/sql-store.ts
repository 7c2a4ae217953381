import { ConflictError } from '../errors.js';
import type { SpendLogRow } from '../types.js';
import { ENTITIES, MIGRATIONS, MIGRATIONS_TABLE, entityId, type Dialect, type Entity, type EntitySpec } from './schema.js';
import type { Page, SpendDelta, SpendLogFilter, Store, Where } from './store.js';

export type Row = Record<string, unknown>;
export type Statement = readonly [sql: string, params: readonly unknown[]];

/** What each database provides; SQL is written with `?` placeholders. */
export interface SqlDriver {
  readonly dialect: Dialect;
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs the statements in one transaction. */
  batch(statements: readonly Statement[]): Promise<void>;
  /** Runs `fn` holding a lock that other processes migrating the same database wait for. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  isUniqueViolation(err: unknown): boolean;
  close(): Promise<void>;
}

const spec = (entity: Entity): EntitySpec => ENTITIES[entity];
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function resetAtOf(record: Row): number | null {
  const v = record.budget_reset_at;
  if (typeof v !== 'string' && !(v instanceof Date)) return null;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** The record without its spend (the column holds it). */
function dataOf(record: Row): string {
  const { spend: _spend, ...rest } = record;
  return JSON.stringify(rest);
}

function columnValue(record: Row, column: string): string | null {
  const v = record[column];
  return v === null || v === undefined ? null : String(v);
}

/** The Store over any SqlDriver: one implementation, so SQLite and PostgreSQL behave alike. */
export class SqlStore implements Store {
  constructor(private readonly db: SqlDriver) {}

  get dialect(): Dialect {
    return this.db.dialect;
  }

  async migrate(): Promise<number> {
    return this.db.withMigrationLock(async () => {
      const bigint = this.db.dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
      await this.db.run(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${bigint} NOT NULL)`);
      const done = new Set((await this.db.all(`SELECT version FROM ${MIGRATIONS_TABLE}`)).map((r) => Number(r.version)));
      let applied = 0;
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        // The version row goes first: a process that lost the race fails on it and skips.
        const statements: Statement[] = [[`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`, [m.version, m.name, Date.now()]]];
        for (const sql of m.statements(this.db.dialect)) statements.push([sql, []]);
        try {
          await this.db.batch(statements);
          applied++;
        } catch (err) {
          if (!this.db.isUniqueViolation(err)) throw err;
        }
      }
      return applied;
    });
  }

  async get<T>(entity: Entity, id: string): Promise<T | null> {
    const rows = await this.db.all(`SELECT spend, data FROM ${spec(entity).table} WHERE id = ?`, [id]);
    return rows[0] ? (this.toRecord(rows[0]) as T) : null;
  }

  async find<T>(entity: Entity, where: Where = {}, page: Page = {}): Promise<T[]> {
    const [clause, params] = this.where(entity, where);
    let sql = `SELECT spend, data FROM ${spec(entity).table}${clause} ORDER BY created, id`;
    if (page.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(page.limit))}`;
    if (page.offset) sql += ` OFFSET ${Math.max(0, Math.floor(page.offset))}`;
    return (await this.db.all(sql, params)).map((r) => this.toRecord(r) as T);
  }

  async count(entity: Entity, where: Where = {}): Promise<number> {
    const [clause, params] = this.where(entity, where);
    const rows = await this.db.all(`SELECT COUNT(*) AS n FROM ${spec(entity).table}${clause}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  async insert(entity: Entity, record: Row): Promise<void> {
    try {
      await this.db.run(...this.insertStatement(entity, record));
    } catch (err) {
      if (this.db.isUniqueViolation(err)) throw new ConflictError(spec(entity).table, entityId(entity, record));
      throw err;
    }
  }

  async update(entity: Entity, record: Row): Promise<boolean> {
    const s = spec(entity);
    const sets = s.columns.map((c) => `${c} = ?`).concat('reset_at = ?', 'data = ?').join(', ');
    const params = [...s.columns.map((c) => columnValue(record, c)), resetAtOf(record), dataOf(record), entityId(entity, record)];
    return (await this.db.run(`UPDATE ${s.table} SET ${sets} WHERE id = ?`, params)) > 0;
  }

  async setSpend(entity: Entity, id: string, spend: number): Promise<void> {
    await this.db.run(`UPDATE ${spec(entity).table} SET spend = ? WHERE id = ?`, [spend, id]);
  }

  async delete(entity: Entity, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.run(`DELETE FROM ${spec(entity).table} WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
  }

  async applySpend(deltas: readonly SpendDelta[], logs: readonly SpendLogRow[]): Promise<void> {
    const statements: Statement[] = [];
    for (const d of deltas) {
      const s = spec(d.entity);
      if (d.seed) {
        const [sql, params] = this.insertStatement(d.entity, { ...d.seed, spend: d.amount });
        statements.push([`${sql} ON CONFLICT (id) DO UPDATE SET spend = ${s.table}.spend + excluded.spend`, params]);
      } else {
        statements.push([`UPDATE ${s.table} SET spend = spend + ? WHERE id = ?`, [d.amount, d.id]]);
      }
    }
    for (const log of logs) {
      statements.push([
        'INSERT INTO tg_spend_logs (request_id, api_key, user_id, end_user, team_id, organization_id, model_group, start_ms, spend, data) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING',
        [log.request_id, log.api_key, log.user, log.end_user, log.team_id, log.organization_id, log.model_group, Date.parse(log.startTime), log.spend, JSON.stringify(log)],
      ]);
    }
    if (statements.length) await this.db.batch(statements);
  }

  async spendLogs(f: SpendLogFilter): Promise<SpendLogRow[]> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const eq = (col: string, v: string | undefined) => {
      if (v !== undefined) conds.push(`${col} = ?`), params.push(v);
    };
    eq('request_id', f.request_id);
    eq('api_key', f.api_key);
    eq('user_id', f.user_id);
    eq('end_user', f.end_user);
    eq('team_id', f.team_id);
    if (f.start_ms !== undefined) conds.push('start_ms >= ?'), params.push(f.start_ms);
    if (f.end_ms !== undefined) conds.push('start_ms < ?'), params.push(f.end_ms);
    let sql = `SELECT data FROM tg_spend_logs${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY start_ms DESC, request_id`;
    if (f.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(f.limit))}`;
    return (await this.db.all(sql, params)).map((r) => JSON.parse(String(r.data)) as SpendLogRow);
  }

  async dueForReset<T>(entity: Entity, now: number): Promise<T[]> {
    const rows = await this.db.all(`SELECT spend, data FROM ${spec(entity).table} WHERE reset_at IS NOT NULL AND reset_at <= ?`, [now]);
    return rows.map((r) => this.toRecord(r) as T);
  }

  async resetSpend(entity: Entity, records: readonly Row[]): Promise<void> {
    const s = spec(entity);
    await this.db.batch(records.map((r) => [`UPDATE ${s.table} SET spend = 0, reset_at = ?, data = ? WHERE id = ?`, [resetAtOf(r), dataOf(r), entityId(entity, r)]] as const));
  }

  async resetSpendByBudget(entity: Entity, budgetIds: readonly string[]): Promise<void> {
    if (budgetIds.length === 0) return;
    await this.db.run(`UPDATE ${spec(entity).table} SET spend = 0 WHERE budget_id IN (${budgetIds.map(() => '?').join(', ')})`, budgetIds);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private insertStatement(entity: Entity, record: Row): Statement {
    const s = spec(entity);
    const cols = ['id', ...s.columns, 'spend', 'reset_at', 'created', 'data'];
    const params = [
      entityId(entity, record),
      ...s.columns.map((c) => columnValue(record, c)),
      typeof record.spend === 'number' ? record.spend : 0,
      resetAtOf(record),
      Date.now(),
      dataOf(record),
    ];
    return [`INSERT INTO ${s.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, params];
  }

  private where(entity: Entity, where: Where): [string, unknown[]] {
    const s = spec(entity);
    const conds: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of Object.entries(where)) {
      if (col !== 'id' && !(s.columns as readonly string[]).includes(col)) throw new Error(`${s.table}: ${col} is not a searchable column`);
      if (v === null) conds.push(`${col} IS NULL`);
      else if (Array.isArray(v)) {
        if (v.length === 0) conds.push('1 = 0');
        else conds.push(`${col} IN (${v.map(() => '?').join(', ')})`), params.push(...v);
      } else conds.push(`${col} = ?`), params.push(v);
    }
    return [conds.length ? ` WHERE ${conds.join(' AND ')}` : '', params];
  }

  private toRecord(row: Row): Row {
    return { ...(JSON.parse(String(row.data)) as Row), spend: num(row.spend) ?? 0 };
  }
}
