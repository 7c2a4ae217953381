import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MemorySharedState, type SharedState } from '@tollgate/core';
import { KeysEngine, openStore, type KeysEngineOptions, type Store, type StoreOption } from '../src/index.js';

export const MASTER = 'sk-1234';
export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

export interface TestDb {
  option: StoreOption;
  /** The pg pool (PostgreSQL only), to break it mid-test. */
  pool?: pg.Pool;
  cleanup(): Promise<void>;
}

/** A SQLite file in a temp dir, or a fresh PostgreSQL schema (dropped after). */
export async function testDb(kind: StoreKind): Promise<TestDb> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tg-keys-'));
    return { option: { sqlite: join(dir, 'tollgate.db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `tg_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${schema}`, max: 5 });
  return {
    option: { postgres: pool },
    pool,
    cleanup: async () => {
      await pool.end().catch(() => undefined);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

export async function testStore(kind: StoreKind): Promise<{ store: Store; db: TestDb }> {
  const db = await testDb(kind);
  return { store: await openStore(db.option), db };
}

export interface TestEngine {
  engine: KeysEngine;
  state: SharedState;
  db: TestDb;
  /** POST/GET an admin route as `key`. */
  call(method: string, path: string, key: string | null, body?: unknown, query?: Record<string, string>): Promise<{ status: number; body: any; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

export async function testEngine(kind: StoreKind = 'sqlite', options: Partial<KeysEngineOptions> = {}): Promise<TestEngine> {
  const db = await testDb(kind);
  const state = options.state ?? new MemorySharedState();
  const engine = await KeysEngine.open({ store: db.option, masterKey: MASTER, state, spend: { intervalMs: 3_600_000 }, budgetResetIntervalMs: 3_600_000, ...options });
  return {
    engine,
    state,
    db,
    call: (method, path, key, body, query) => engine.handle(method, path, { headers: key ? { authorization: `Bearer ${key}` } : {}, body, query: query ?? {} }) as never,
    close: async () => {
      await engine.close().catch(() => undefined);
      await db.cleanup();
    },
  };
}

/** A generated key's value, from /key/generate as the master key. */
export async function newKey(t: TestEngine, body: Record<string, unknown> = {}): Promise<{ key: string; token_id: string; body: any }> {
  const res = await t.call('POST', '/key/generate', MASTER, body);
  if (res.status !== 200) throw new Error(`key/generate ${res.status}: ${JSON.stringify(res.body)}`);
  return { key: res.body.key, token_id: res.body.token_id, body: res.body };
}
