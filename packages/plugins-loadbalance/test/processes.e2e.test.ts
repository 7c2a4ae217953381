import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { OwnRedis, waitFor } from '../../state-redis/test/redis-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'packages/server/dist/cli.js');

interface Child {
  url: string;
  proc: ChildProcess;
  logs(): string;
}

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const f of cleanups.splice(0)) await f();
});

/**
 * A config file in a directory of its own; with `installed`, the two packages are installed next
 * to it (symlinked from this workspace) as `npm i` would put them.
 */
function project(config: string, installed: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-lb-proc-'));
  if (installed) {
    mkdirSync(path.join(dir, 'node_modules/@tollgate'), { recursive: true });
    symlinkSync(path.join(root, 'packages/plugins-loadbalance'), path.join(dir, 'node_modules/@tollgate/plugin-loadbalance'));
    symlinkSync(path.join(root, 'packages/state-redis'), path.join(dir, 'node_modules/@tollgate/state-redis'));
  }
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, config);
  return file;
}

/** `tollgate start` as a user runs it, from the config's directory. */
function start(config: string): Promise<Child> {
  for (const f of [cli, path.join(root, 'packages/plugins-loadbalance/dist/index.js'), path.join(root, 'packages/state-redis/dist/index.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`pnpm build\` first.`);
  }
  // pnpm's vitest shim puts every workspace package on NODE_PATH; a user's process has no such path.
  const proc = spawn(process.execPath, [cli, 'start', '--config', config, '--port', '0'], { cwd: path.dirname(config), env: { ...process.env, NODE_PATH: '' } });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    proc.stdout!.on('data', () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[1], proc, logs: () => out }); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
}

async function chat(c: Child, model: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${c.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-master' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function mockOpenAI(): Promise<MockOpenAIServer> {
  const u = await startMockOpenAI();
  cleanups.push(() => u.close());
  return u;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** Redis answers within this on a machine busy with other tests (the default, 100 ms, would count a slow answer as an outage). */
const SLOW_MACHINE_MS = 2000;

/**
 * `pair`: an upstream deployment tried first and a local one; `gpt`: one deployment with rpm 10,
 * falling back to `spare`. `redis` is the config's way to Redis.
 */
const config = (upstream: string, redis: string, router: string) => `model_list:
  - model_name: pair
    litellm_params: { model: openai/gpt-4.1, api_base: ${upstream}/v1, api_key: sk-test, order: 1 }
    model_info: { id: pair-upstream }
  - model_name: pair
    litellm_params: { model: mock/pair-local, mock_response: local, order: 2 }
    model_info: { id: pair-local }
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream}/v1, api_key: sk-test, rpm: 10 }
    model_info: { id: limited }
  - model_name: spare
    litellm_params: { model: mock/spare, mock_response: spare }
    model_info: { id: spare }
${redis}
router_settings:
  num_retries: 1
  cooldown_time: 60
  fallbacks: [{ gpt: [spare] }]
${router}
general_settings:
  master_key: sk-master
`;

/** One process sees a 429 from `pair`'s upstream deployment; the other must route around it at once. */
async function expectSharedCooldown(u: MockOpenAIServer, a: Child, b: Child): Promise<void> {
  const before = u.requests.length;
  u.setNext({ kind: 'status', status: 429 });
  const first = await chat(a, 'pair');
  expect([first.status, first.headers.get('x-tollgate-deployment'), first.headers.get('x-tollgate-attempts')]).toEqual([200, 'pair-local', '2']);
  const other = await chat(b, 'pair');
  expect([other.status, other.headers.get('x-tollgate-deployment'), other.headers.get('x-tollgate-attempts')]).toEqual([200, 'pair-local', '1']);
  expect(u.requests.length - before).toBe(1);
}

describe('the reference server with the load balancer, as processes', () => {
  it('loads both packages for a LiteLLM config that sets their keys, and names them when they are not installed', async () => {
    const own = await OwnRedis.start();
    cleanups.push(() => own.kill());
    const u = await mockOpenAI();
    const text = config(u.url, '', `  routing_strategy: least-busy\n  redis_host: 127.0.0.1\n  redis_port: ${own.port}`);
    const missing = await start(project(text, false));
    expect(missing.logs()).toContain('read by @tollgate/plugin-loadbalance, which is not installed: npm i @tollgate/plugin-loadbalance');
    expect(missing.logs()).toContain('read by @tollgate/state-redis, which is not installed: npm i @tollgate/state-redis');
    const installed = await start(project(text, true));
    expect(installed.logs()).not.toContain('not installed');
    expect(installed.logs()).toContain('"msg":"shared state in Redis"');
    expect((await chat(installed, 'pair')).status).toBe(200);
  });

  it('two processes share a cooldown and an rpm limit through Redis: rpm 10 admits exactly 10 of 20 requests spread over both', async () => {
    const u = await mockOpenAI();
    const prefix = `tg-test:lb-proc:${randomUUID()}:`;
    cleanups.push(async () => {
      const admin = new Redis('redis://127.0.0.1:6379');
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
    });
    const file = project(config(u.url, `plugins:\n  - ["@tollgate/state-redis", { url: "redis://127.0.0.1:6379", keyPrefix: "${prefix}", commandTimeoutMs: ${SLOW_MACHINE_MS} }]`, '  routing_strategy: usage-based-routing-v2'), true);
    const [a, b] = await Promise.all([start(file), start(file)]);

    await expectSharedCooldown(u, a, b);

    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(i % 2 ? a : b, 'gpt')));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const served = replies.map((r) => r.headers.get('x-tollgate-deployment'));
    expect(served.filter((d) => d === 'limited')).toHaveLength(10);
    expect(served.filter((d) => d === 'spare')).toHaveLength(10);
    expect(replies.filter((r) => r.headers.get('x-tollgate-fallback') === 'spare')).toHaveLength(10);
    expect(u.requests.filter((r) => (r.body as { model?: string }).model === 'gpt-4o-mini')).toHaveLength(10);
  });

  it('keeps serving when Redis stops, says so once per process, and shares again once it is back', async () => {
    const own = await OwnRedis.start();
    cleanups.push(() => own.kill());
    const u = await mockOpenAI();
    // Where to connect comes from router_settings; the plugin entry only allows for a busy machine.
    const file = project(config(u.url, `plugins:\n  - ["@tollgate/state-redis", { commandTimeoutMs: ${SLOW_MACHINE_MS} }]`, `  redis_host: 127.0.0.1\n  redis_port: ${own.port}`), true);
    const [a, b] = await Promise.all([start(file), start(file)]);
    await expectSharedCooldown(u, a, b);

    await own.kill();
    for (let i = 0; i < 6; i++) {
      expect((await chat(a, 'spare')).status).toBe(200);
      expect((await chat(b, 'gpt')).status).toBe(200);
    }
    for (const c of [a, b]) {
      await waitFor(() => count(c.logs(), 'Redis is unreachable') === 1);
      expect(count(c.logs(), 'Redis is unreachable')).toBe(1);
    }

    await own.start(); // empty: the cooldown it held is gone
    for (const c of [a, b]) await waitFor(() => c.logs().includes('Redis is reachable again'), 10_000);
    await expectSharedCooldown(u, a, b);
  });
});
