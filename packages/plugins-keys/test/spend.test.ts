import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../src/index.js';
import { newKey, testDb, testEngine, type TestEngine } from './helpers.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('batched spend', () => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  it('writes nothing per request: spend and spend logs land in one batch on flush', async () => {
    t = await testEngine('sqlite');
    const k = await newKey(t);
    const p = await t.engine.authenticate(k.key);
    for (let i = 0; i < 40; i++) {
      await t.engine.account(p, null, { requestId: `r${i}`, modelGroup: 'gpt-4', cost: 0.01, promptTokens: 3, completionTokens: 4, startTime: 0, endTime: 5, status: 'success' });
    }
    expect(await t.engine.store.spendLogs({})).toHaveLength(0);
    await t.engine.flush();
    expect(await t.engine.store.spendLogs({})).toHaveLength(40);
    expect((await t.engine.store.get<{ spend: number }>('keys', k.token_id))!.spend).toBeCloseTo(0.4);
    expect((await t.engine.store.get<{ spend: number }>('users', 'litellm-proxy-budget'))!.spend).toBeCloseTo(0.4);
  });

  it('flushes on its interval', async () => {
    t = await testEngine('sqlite', { spend: { intervalMs: 20 } });
    const k = await newKey(t);
    const p = await t.engine.authenticate(k.key);
    await t.engine.account(p, null, { requestId: 'tick', modelGroup: 'gpt-4', cost: 0.01, startTime: 0, endTime: 5, status: 'success' });
    await vi.waitFor(async () => expect(await t.engine.store.spendLogs({ request_id: 'tick' })).toHaveLength(1), { timeout: 5_000, interval: 10 });
  });

  it('loses no spend-log row when the process gets SIGTERM under load', async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm build\` first.`);
    const db = await testDb('sqlite');
    const file = (db.option as { sqlite: string }).sqlite;
    const script = `
      import { KeysEngine } from ${JSON.stringify(dist)};
      const engine = await KeysEngine.open({ store: { sqlite: ${JSON.stringify(file)} }, masterKey: 'sk-1234', spend: { intervalMs: 3600000 } });
      const gen = await engine.handle('POST', '/key/generate', { headers: { authorization: 'Bearer sk-1234' }, body: {} });
      const p = await engine.authenticate(gen.body.key);
      let n = 0, stop = false;
      process.on('SIGTERM', async () => { stop = true; await engine.close(); process.stdout.write('accounted ' + n + '\\n'); process.exit(0); });
      process.stdout.write('ready\\n');
      while (!stop) {
        const adm = await engine.admit(p, { model: 'gpt-4' });
        await engine.account(p, adm, { requestId: 'req-' + n, modelGroup: 'gpt-4', cost: 0.001, startTime: Date.now(), endTime: Date.now(), status: 'success' });
        n++;
        if (n % 50 === 0) await new Promise((r) => setImmediate(r));
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let out = '';
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(out)));
    });
    await vi.waitFor(() => undefined, { timeout: 100 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const accounted = Number(/accounted (\d+)/.exec(out)?.[1]);
    expect(accounted).toBeGreaterThan(0);
    const store: Store = await openStore(db.option);
    try {
      expect(await store.count('keys')).toBe(1);
      expect((await store.spendLogs({})).length).toBe(accounted);
      const [key] = await store.find<{ spend: number }>('keys');
      expect(key!.spend).toBeCloseTo(accounted * 0.001, 6);
    } finally {
      await store.close();
      await db.cleanup();
    }
  });
});
