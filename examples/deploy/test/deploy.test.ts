import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const root = path.resolve(here, '../..');
const read = (p: string) => readFileSync(path.resolve(here, p), 'utf8');
type Service = { build?: { context: string; dockerfile: string }; image?: string; ports?: string[]; volumes?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; healthcheck?: unknown };
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const nginx = read('nginx.conf');
const config = read('tollgate.config.yaml');
const readme = read('README.md');

/** Dockerfile instructions, continuation lines joined. */
const instructions = dockerfile.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).map((l) => {
  const [op, ...rest] = l.trim().split(/\s+/);
  return { op: op.toUpperCase(), args: rest.join(' ') };
});

describe('the Dockerfile, read statically (no Docker daemon here)', () => {
  it('runs as a non-root user, with a health check on /health/liveliness', () => {
    const users = instructions.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    expect(instructions.filter((i) => i.op === 'FROM')).toHaveLength(2);
    expect(instructions.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('/health/liveliness');
  });

  it('copies only files that exist, and runs the CLI the build installs', () => {
    for (const c of instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const src = c.args.split(/\s+/)[0];
      expect(existsSync(path.join(root, src)), src).toBe(true);
    }
    expect(instructions.find((i) => i.op === 'ENTRYPOINT')?.args).toContain('/app/node_modules/@tollgate/server/dist/cli.js');
    for (const d of dockerfile.match(/for d in ([^;]+);/)![1].trim().split(/\s+/)) expect(existsSync(path.join(root, 'packages', d, 'package.json')), d).toBe(true);
  });

  it('listens where it says: EXPOSE, PORT and the health check agree', () => {
    expect(instructions.find((i) => i.op === 'EXPOSE')?.args).toBe('4000');
    expect(instructions.find((i) => i.op === 'ENV')?.args).toMatch(/PORT=4000 HOST=0\.0\.0\.0/);
  });
});

describe('compose.yaml, read statically', () => {
  const services = compose.services;

  it('has a load balancer in front of two Tollgate replicas sharing Redis and PostgreSQL', () => {
    expect(Object.keys(services).sort()).toEqual(['lb', 'postgres', 'redis', 'tollgate-1', 'tollgate-2']);
    for (const name of ['tollgate-1', 'tollgate-2']) {
      const s = services[name];
      expect(s.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(s.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/\w+:\w+@postgres:5432\/\w+$/);
      expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(['postgres', 'redis']);
    }
  });

  it('every file it mounts or builds from exists', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0];
        if (src.startsWith('.')) expect(existsSync(path.resolve(here, src)), `${name}: ${src}`).toBe(true);
        else expect(compose.volumes, `${name}: named volume ${src}`).toHaveProperty(src);
      }
      if (s.build) expect(existsSync(path.resolve(here, s.build.context, s.build.dockerfile)), name).toBe(true);
    }
  });

  it('ports line up: the published port is nginx\'s, nginx\'s upstreams are the replicas on the port the image listens on', () => {
    expect(services.lb.ports).toEqual(['4000:4000']);
    expect(nginx).toMatch(/listen 4000;/);
    const upstreams = [...nginx.matchAll(/server ([\w-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams).toEqual(['tollgate-1:4000', 'tollgate-2:4000']);
  });

  it('every environment variable the config reads is set by compose, and every one compose needs from the shell is in the README', () => {
    const provided = new Set(Object.keys(services['tollgate-1'].environment ?? {}));
    for (const m of config.matchAll(/os\.environ\/(\w+)/g)) expect(provided.has(m[1]), m[1]).toBe(true);
    for (const m of read('compose.yaml').matchAll(/\$\{(\w+)/g)) expect(readme, m[1]).toContain(m[1]);
  });

  it('keeps nginx\'s idle upstream connections shorter than Tollgate\'s keep-alive timeout', () => {
    const nginxIdle = Number(/keepalive_timeout (\d+)s/.exec(nginx)![1]);
    const tollgateIdle = Number(/keepalive_timeout: (\d+)/.exec(config)![1]);
    expect(nginxIdle).toBeLessThan(tollgateIdle);
  });
});

// ---------------------------------------------------------------- the same topology, without containers

const cli = path.join(root, 'packages/server/dist/cli.js');
const procs: ChildProcess[] = [];
let lb: Server;
let lbUrl: string;

// Both replicas share one PostgreSQL schema (Prisma's ?schema=, as LiteLLM's database_url allows)
// and one Redis, as in compose.yaml; a schema and a key prefix of this run's own keep runs apart.
const run = `deploy_${process.pid}_${Date.now().toString(36)}`;
const DATABASE_URL = `postgresql://postgres@127.0.0.1:5432/test?schema=tg_${run}`;

function startReplica(): Promise<string> {
  const proc = spawn(process.execPath, [cli, '--config', path.join(here, 'tollgate.config.yaml'), '--host', '127.0.0.1', '--port', '0'], {
    // The plugins resolve from this example's node_modules, as from an app's own.
    cwd: here,
    env: { ...process.env, NODE_PATH: '', TOLLGATE_MASTER_KEY: 'sk-deploy-test', OPENAI_API_KEY: 'sk-not-used-by-the-echo-model', DATABASE_URL, REDIS_URL: 'redis://127.0.0.1:6379', TOLLGATE_LOG_FORMAT: 'json' },
  });
  procs.push(proc);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`replica exited ${code}: ${out}`)); });
  });
}

/** What nginx does in compose.yaml, in a few lines: round-robin, bodies streamed both ways. */
function roundRobin(targets: string[]): Server {
  let next = 0;
  return createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length]);
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
}

describe('the same topology without containers: a load balancer in front of two gateway processes', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run pnpm build first`);
    const replicas = await Promise.all([startReplica(), startReplica()]);
    lb = roundRobin(replicas);
    await new Promise<void>((r) => lb.listen(0, '127.0.0.1', () => r()));
    lbUrl = `http://127.0.0.1:${(lb.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => lb?.close(r));
    // The run's own schema goes with it.
    spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-c', `DROP SCHEMA IF EXISTS tg_${run} CASCADE`], { stdio: 'ignore' });
  });

  const chat = (key: string | null) => fetch(`${lbUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'through the balancer' }] }),
  });

  it('both replicas serve, each with the master key from the environment', async () => {
    const answeredBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await chat('sk-deploy-test');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('through the balancer');
      // Generated request ids start with tg-<pid in base 36>-.
      answeredBy.add(String(res.headers.get('x-request-id')).split('-')[1]);
    }
    expect(answeredBy.size).toBe(2);
    for (let i = 0; i < 2; i++) expect((await chat(null)).status).toBe(401);
  });

  it('streams pass through the balancer', async () => {
    const res = await fetch(`${lbUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-deploy-test' },
      body: JSON.stringify({ model: 'echo', stream: true, messages: [{ role: 'user', content: 'streamed' }] }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toMatch(/data: \[DONE\]\n\n$/);
  });

  // Shared state across the replicas: keys in PostgreSQL, limits in Redis (DATABASE_URL and
  // REDIS_URL load @tollgate/plugin-keys and @tollgate/state-redis; nothing else is configured).
  it('a virtual key made through one replica works through both, and its rpm limit holds for the pair', async () => {
    const made = await fetch(`${lbUrl}/key/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-deploy-test' },
      body: JSON.stringify({ models: ['echo'], rpm_limit: 4, key_alias: `deploy-${run}` }),
    });
    expect(made.status).toBe(200);
    const { key } = (await made.json()) as { key: string };
    expect(key).toMatch(/^sk-/);
    const statuses: number[] = [];
    const answeredBy = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const res = await chat(key);
      statuses.push(res.status);
      if (res.status === 200) answeredBy.add(String(res.headers.get('x-request-id')).split('-')[1]);
      await res.text();
    }
    // 4 per minute for the key, wherever its requests land: not 4 per replica.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    expect(answeredBy.size).toBe(2);
    // A model outside the key's list is refused by either replica.
    const other = await fetch(`${lbUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(other.status).toBe(403);
  });
});
