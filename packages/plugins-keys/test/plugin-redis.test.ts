import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type CliServer } from './cli.js';
import { MASTER, testDatabase } from './server.js';

const redisState = fileURLToPath(new URL('../../state-redis/dist/index.js', import.meta.url));

describe('two gateway processes behind one load balancer', () => {
  const running: CliServer[] = [];
  let db: ReturnType<typeof testDatabase> | undefined;
  afterEach(async () => {
    for (const c of running.splice(0)) {
      c.child.kill('SIGTERM');
      await c.exited;
    }
    await db?.drop();
  });

  it('enforce one rpm limit through Redis: limit 10, 20 requests spread over both, exactly 10 succeed', async () => {
    db = testDatabase('postgres');
    const prefix = `tg-test-${randomBytes(6).toString('hex')}:`;
    const config = `
model_list:
  - model_name: gpt-4
    litellm_params: { model: mock/gpt-4 }
general_settings:
  master_key: ${MASTER}
  database_url: ${db.url}
`;
    // @tollgate/state-redis by path (it is not installed beside the config); a key prefix of this test's
    // own. Its default 100 ms command timeout can trip on a cold process's first burst on a loaded
    // machine and fall back to per-process memory, which is not what this test is about.
    const redis = [redisState, { url: 'redis://127.0.0.1:6379', keyPrefix: prefix, commandTimeoutMs: 2000 }];
    const a = await startCli(config, {}, [redis]);
    running.push(a);
    const b = await startCli(config, {}, [redis]);
    running.push(b);
    const gen = await fetch(`${a.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({ rpm_limit: 10 }) });
    const { key } = await gen.json();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${(i % 2 ? a : b).url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: `n${i}` }] }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });
});
