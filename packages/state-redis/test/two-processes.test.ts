import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const admin = new Redis('redis://127.0.0.1:6379');
afterAll(() => admin.quit());

/** One gateway-like process: makes `hits` concurrent hits on one window and prints how many were allowed. */
function run(prefix: string, hits: number): Promise<number> {
  const script = `
    import { RedisSharedState } from ${JSON.stringify(dist)};
    const s = new RedisSharedState({ url: 'redis://127.0.0.1:6379', keyPrefix: ${JSON.stringify(prefix)} });
    if (!(await s.ready())) throw new Error('no redis');
    const r = await Promise.all(Array.from({ length: ${hits} }, () => s.hit('rpm:dep-1', 60000, 1, 10)));
    console.log(r.filter((x) => x.allowed).length);
    await s.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(out))));
  });
}

describe('two processes on one Redis', () => {
  it('hold one limit together: 20 hits against a limit of 10 admit exactly 10', async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm build\` first.`);
    const prefix = `tg-test:${randomUUID()}:`;
    const [a, b] = await Promise.all([run(prefix, 10), run(prefix, 10)]);
    expect(a + b).toBe(10);
    expect(await admin.get(`${prefix}rpm:dep-1`)).toBe('10');
    await admin.del(`${prefix}rpm:dep-1`);
  });
});
