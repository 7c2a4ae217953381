import { afterEach, describe, expect, it } from 'vitest';
import { KeysEngine } from '../src/index.js';
import { MASTER, newKey, testEngine, type TestEngine } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('verified-key cache', () => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  it('keeps verifying keys already seen when PostgreSQL goes away; an unseen key gets 503', async () => {
    t = await testEngine('postgres', { cache: { ttlMs: 10, negativeTtlMs: 5 } });
    const known = await newKey(t, { models: ['gpt-4'], max_budget: 1 });
    const unseen = await newKey(t);
    const p = await t.engine.authenticate(known.key);
    await t.db.pool!.end();
    await sleep(30); // past the TTL: the next read goes to the (dead) store
    await expect(t.engine.authenticate(known.key)).resolves.toMatchObject({ keyHash: p.keyHash });
    const again = await t.engine.authenticate(known.key);
    await expect(t.engine.admit(again, { model: 'gpt-4' })).resolves.toBeTruthy();
    const err = await t.engine.authenticate(unseen.key).catch((e) => e);
    expect(err.status).toBe(503);
    expect(err.toJSON().error).toMatchObject({ type: 'no_db_connection', code: '503' });
  });

  it('keeps spend in memory while the store is down and writes it when asked again', async () => {
    t = await testEngine('sqlite');
    const k = await newKey(t);
    const p = await t.engine.authenticate(k.key);
    const store = t.engine.store;
    const real = store.applySpend.bind(store);
    let failures = 1;
    store.applySpend = async (d, l) => {
      if (failures-- > 0) throw new Error('database is down');
      return real(d, l);
    };
    await t.engine.account(p, null, { requestId: 'a', modelGroup: 'm', cost: 0.5, startTime: 0, endTime: 1, status: 'success' });
    await expect(t.engine.flush()).rejects.toThrow('database is down');
    await t.engine.account(p, null, { requestId: 'b', modelGroup: 'm', cost: 0.25, startTime: 0, endTime: 1, status: 'success' });
    await t.engine.flush();
    expect((await store.spendLogs({})).map((r) => r.request_id).sort()).toEqual(['a', 'b']);
    expect((await store.get<{ spend: number }>('keys', k.token_id))!.spend).toBeCloseTo(0.75);
  });

  it('an update takes effect at once in the process that made it, and in another within its cache TTL', async () => {
    t = await testEngine('sqlite', { cache: { ttlMs: 20 } });
    const other = await KeysEngine.open({ store: t.db.option, masterKey: MASTER, cache: { ttlMs: 20 } });
    try {
      const k = await newKey(t);
      await other.authenticate(k.key);
      await t.call('POST', '/key/block', MASTER, { key: k.key });
      await expect(t.engine.authenticate(k.key)).rejects.toMatchObject({ status: 401 });
      await sleep(40);
      await expect(other.authenticate(k.key)).rejects.toMatchObject({ status: 401 });
    } finally {
      await other.close();
    }
  });

  it('remembers an unknown key only briefly, and a key created with that value works at once', async () => {
    t = await testEngine('sqlite', { cache: { negativeTtlMs: 60_000 } });
    const chosen = 'sk-chosen-value-0123456789';
    await expect(t.engine.authenticate(chosen)).rejects.toMatchObject({ status: 401 });
    await newKey(t, { key: chosen });
    await expect(t.engine.authenticate(chosen)).resolves.toBeTruthy();
  });
});
