import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../src/errors.js';
import { openStore, type Store } from '../src/index.js';
import { MIGRATIONS } from '../src/store/schema.js';
import type { SpendLogRow } from '../src/types.js';
import { STORE_KINDS, testDb, testStore, type TestDb } from './helpers.js';

const log = (id: string, over: Partial<SpendLogRow> = {}): SpendLogRow => ({
  request_id: id, call_type: 'acompletion', api_key: 'h1', spend: 0.5, total_tokens: 3, prompt_tokens: 1, completion_tokens: 2,
  cached_tokens: 0, reasoning_tokens: 0, startTime: '2024-05-01T10:00:00.000Z', endTime: '2024-05-01T10:00:01.000Z',
  completionStartTime: null, request_duration_ms: 1000, model: 'gpt-4o', model_id: null, model_group: 'gpt-4o',
  custom_llm_provider: 'openai', api_base: null, user: 'u1', end_user: null, team_id: 't1', organization_id: null,
  metadata: {}, cache_hit: 'False', request_tags: [], status: 'success', ...over,
});

describe.each(STORE_KINDS)('store on %s', (kind) => {
  let store: Store;
  let db: TestDb;
  afterEach(async () => {
    await store?.close();
    await db?.cleanup();
  });

  it('applies every migration once, and a second start applies none', async () => {
    ({ store, db } = await testStore(kind));
    expect(await store.migrate()).toBe(0);
    const again = await openStore(db.option);
    expect(await again.migrate()).toBe(0);
    if (kind === 'sqlite') await again.close();
  });

  it('two processes migrating one empty database at once apply each migration exactly once', async () => {
    db = await testDb(kind);
    const { SqlStore } = await import('../src/store/sql-store.js');
    const drivers = kind === 'postgres'
      ? await Promise.all([0, 1].map(async () => new (await import('../src/store/postgres.js')).PostgresDriver((db.option as { postgres: import('pg').Pool }).postgres)))
      : await Promise.all([0, 1].map(async () => new (await import('../src/store/sqlite.js')).SqliteDriver((db.option as { sqlite: string }).sqlite)));
    const [a, b] = drivers.map((d) => new SqlStore(d));
    const applied = await Promise.all([a!.migrate(), b!.migrate()]);
    expect(applied[0]! + applied[1]!).toBe(MIGRATIONS.length);
    store = a!;
    if (kind === 'sqlite') await b!.close();
  });

  it('inserts, finds by indexed columns, updates and deletes records, keeping spend in its column', async () => {
    ({ store, db } = await testStore(kind));
    await store.insert('keys', { token: 'h1', key_alias: 'a', user_id: 'u1', team_id: null, spend: 2, budget_reset_at: null, models: ['gpt-4o'] });
    await store.insert('keys', { token: 'h2', key_alias: 'b', user_id: 'u1', team_id: 't1', spend: 0, budget_reset_at: null });
    await expect(store.insert('keys', { token: 'h1' })).rejects.toBeInstanceOf(ConflictError);
    expect(await store.get('keys', 'h1')).toMatchObject({ token: 'h1', key_alias: 'a', spend: 2, models: ['gpt-4o'] });
    expect((await store.find<{ token: string }>('keys', { user_id: 'u1' })).map((k) => k.token)).toEqual(['h1', 'h2']);
    expect((await store.find<{ token: string }>('keys', { team_id: null })).map((k) => k.token)).toEqual(['h1']);
    expect(await store.count('keys', { id: ['h1', 'h2', 'nope'] })).toBe(2);
    expect(await store.update('keys', { token: 'h1', key_alias: 'renamed', user_id: 'u2', spend: 999 })).toBe(true);
    expect(await store.get('keys', 'h1')).toMatchObject({ key_alias: 'renamed', spend: 2 });
    expect(await store.find('keys', { user_id: 'u2' })).toHaveLength(1);
    expect(await store.update('keys', { token: 'missing' })).toBe(false);
    expect(await store.delete('keys', ['h1', 'h2'])).toBe(2);
    expect(await store.get('keys', 'h1')).toBeNull();
  });

  it('adds batched spend atomically, creating seeded rows and spend logs, and filters the logs', async () => {
    ({ store, db } = await testStore(kind));
    await store.insert('keys', { token: 'h1', spend: 1 });
    await store.applySpend(
      [
        { entity: 'keys', id: 'h1', amount: 0.25 },
        { entity: 'end_users', id: 'e1', amount: 0.5, seed: { user_id: 'e1', blocked: false } },
      ],
      [log('r1'), log('r2', { api_key: 'h2', startTime: '2024-05-02T10:00:00.000Z' })],
    );
    await store.applySpend([{ entity: 'end_users', id: 'e1', amount: 0.5, seed: { user_id: 'e1', blocked: false } }], [log('r1')]);
    expect((await store.get<{ spend: number }>('keys', 'h1'))!.spend).toBeCloseTo(1.25);
    expect(await store.get('end_users', 'e1')).toMatchObject({ user_id: 'e1', spend: 1 });
    expect((await store.spendLogs({})).map((r) => r.request_id)).toEqual(['r2', 'r1']);
    expect((await store.spendLogs({ api_key: 'h1' })).map((r) => r.request_id)).toEqual(['r1']);
    expect((await store.spendLogs({ start_ms: Date.parse('2024-05-02T00:00:00Z') })).map((r) => r.request_id)).toEqual(['r2']);
    expect(await store.spendLogs({ request_id: 'r1' })).toEqual([log('r1')]);
  });

  it('finds records past their budget reset and resets their spend', async () => {
    ({ store, db } = await testStore(kind));
    await store.insert('teams', { team_id: 't1', spend: 5, budget_reset_at: '2024-01-01T00:00:00.000Z', budget_duration: '1d' });
    await store.insert('teams', { team_id: 't2', spend: 5, budget_reset_at: '2999-01-01T00:00:00.000Z', budget_duration: '1d' });
    const due = await store.dueForReset<{ team_id: string }>('teams', Date.parse('2024-06-01T00:00:00Z'));
    expect(due.map((t) => t.team_id)).toEqual(['t1']);
    await store.resetSpend('teams', [{ ...due[0]!, budget_reset_at: '2024-06-02T00:00:00.000Z' }]);
    expect(await store.get('teams', 't1')).toMatchObject({ spend: 0, budget_reset_at: '2024-06-02T00:00:00.000Z' });
    await store.insert('end_users', { user_id: 'e1', budget_id: 'b1', spend: 3 });
    await store.resetSpendByBudget('end_users', ['b1']);
    expect(await store.get('end_users', 'e1')).toMatchObject({ spend: 0 });
  });
});
