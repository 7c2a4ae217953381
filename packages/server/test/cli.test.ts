import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockOllama } from '../../testing/src/ollama-mock.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'packages/server/dist/cli.js');

function writeConfig(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-cli-'));
  const file = path.join(dir, 'tollgate.config.yaml');
  writeFileSync(file, text);
  return file;
}

const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); });

function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; proc: ChildProcess; logs: () => string }> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm build\` first (the README's test line does).`);
  const proc = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env } });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 10_000);
    proc.stdout!.on('data', () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[1], proc, logs: () => out }); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
}

describe('tollgate CLI', () => {
  it('starts the quick-start config and answers', async () => {
    const { url } = await start(['start', '--config', 'examples/quickstart/tollgate.config.yaml', '--port', '0', '--host', '127.0.0.1']);
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'quick start' }] }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('quick start');
  });

  it('drains in-flight requests on SIGTERM, then exits 0', async () => {
    const file = writeConfig('model_list:\n  - model_name: slow\n    params: { model: mock/slow, mock_latency_ms: 600 }\n');
    const { url, proc } = await start(['start', '--config', file, '--port', '0']);
    const pending = fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'finish me' }] }) });
    await new Promise((r) => setTimeout(r, 150));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('finish me');
    expect(await exited).toBe(0);
  });

  it('fails start-up with a message naming the bad config path and the missing package', async () => {
    const bad = writeConfig('model_list:\n  - model_name: a\n    params: { model: nope }\n');
    const r1 = await start(['start', '--config', bad, '--port', '0']).catch((e: Error) => e.message);
    expect(r1).toContain('model_list[0].params.model: must be "provider/model"');
    const missing = writeConfig('model_list:\n  - model_name: c\n    params: { model: sagemaker/x }\n');
    const r2 = await start(['start', '--config', missing, '--port', '0']).catch((e: Error) => e.message);
    expect(r2).toContain('Install @tollgate/adapter-sagemaker');
  });

  it('loads the Bedrock, Cohere and Ollama adapters from the workspace when the config names them', async () => {
    const ollama = await startMockOllama({ rejectUnknown: true });
    try {
      const file = writeConfig([
        'model_list:',
        `  - model_name: local\n    litellm_params: { model: ollama_chat/llama3.2, api_base: "${ollama.url}" }`,
        '  - model_name: claude\n    litellm_params: { model: bedrock/anthropic.claude-3-haiku-20240307-v1:0, api_key: ABSK-test, aws_region_name: us-east-1 }',
        '  - model_name: command\n    litellm_params: { model: cohere_chat/command-a-03-2025, api_key: co-test }',
      ].join('\n'));
      const { url } = await start(['start', '--config', file, '--port', '0', '--host', '127.0.0.1']);
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id).sort()).toEqual(['claude', 'command', 'local']);
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'local', max_tokens: 20, messages: [{ role: 'user', content: 'from the CLI' }] }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('echo: from the CLI');
      expect(ollama.requests.at(-1)?.path).toBe('/api/chat');
    } finally {
      await ollama.close();
    }
  });

  it('never logs the upstream or master key', async () => {
    const file = writeConfig('model_list:\n  - model_name: m\n    params: { model: mock/m, api_key: sk-very-secret-upstream }\ngeneral_settings:\n  master_key: sk-very-secret-master\n');
    const { url, logs } = await start(['start', '--config', file, '--port', '0'], { TOLLGATE_LOG_LEVEL: 'debug' });
    await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-very-secret-wrong' }, body: '{"model":"m","messages":[{"role":"user","content":"x"}]}' });
    await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-very-secret-master', 'x-request-id': 'client-req-42' }, body: '{"model":"m","messages":[{"role":"user","content":"x"}]}' });
    // Log lines are batched and flushed at least every 100 ms.
    await expect.poll(() => logs(), { timeout: 2_000 }).toMatch(/"requestId":"client-req-42"[^\n]*"status":200/);
    expect(logs()).toContain('"status":401');
    expect(logs()).not.toMatch(/sk-very-secret/);
  });
});

/** Run the CLI to completion (for failures): exit code, stdout, stderr. */
function run(args: string[], env: Record<string, string> = {}, cwd = root): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const exited = (proc: ChildProcess) => new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
const QUICKSTART = 'examples/quickstart/tollgate.config.yaml';

describe('a CLI that speaks LiteLLM', () => {
  it('starts without the start word, as `litellm --config config.yaml --port 4000` does, and prints a banner', async () => {
    const { url, logs } = await start(['--config', QUICKSTART, '--port', '0']);
    expect((await fetch(`${url}/health/liveliness`)).status).toBe(200);
    await expect.poll(logs).toContain('  auth:    off');
    expect(logs()).toMatch(/Tollgate 0\.1\.0 listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(logs()).toContain(`config:  ${path.join(root, QUICKSTART)}`);
    expect(logs()).toContain('gpt-4o-mini -> mock/gpt-4o-mini');
    expect(logs()).toContain('stores:  in memory');
  });

  it('--help lists every flag and environment variable', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    for (const word of ['--config', '--port', '--host', '--num_workers', '--detailed_debug', '--keepalive_timeout', '--version', '--help', 'PORT', 'HOST', 'NUM_WORKERS', 'TOLLGATE_LOG_LEVEL', 'TOLLGATE_LOG_FORMAT', 'TOLLGATE_MASTER_KEY', 'LITELLM_MASTER_KEY', 'DATABASE_URL', 'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD']) {
      expect(stdout).toContain(word);
    }
  });

  it.each([
    [['--run_gunicorn'], 2, 'tollgate: --run_gunicorn is a LiteLLM option Tollgate does not have: use --num_workers N (see tollgate --help)'],
    [['--frobnicate'], 2, 'tollgate: unknown option --frobnicate (see tollgate --help)'],
    [['serve'], 2, 'tollgate: unknown command "serve": the only command is start, and it may be left out (see tollgate --help)'],
    [['--port', 'http'], 2, 'tollgate: --port must be a whole number from 0 to 65535, not "http"'],
    [['--config', 'nope.yaml'], 1, `tollgate: Config file not found: nope.yaml (looked at ${path.join(root, 'nope.yaml')}).`],
    [['--config', QUICKSTART, '--host', 'no-such-host.invalid', '--port', '0'], 1, 'tollgate: unknown host "no-such-host.invalid" (--host): use an IP address, or a name this machine resolves'],
  ])('%j fails with one line and no stack trace', (args, code, line) => {
    const r = run(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toBe(`${line}\n`);
  });

  it('a bad log level and a missing plugin file are one line too', () => {
    expect(run(['--config', QUICKSTART], { TOLLGATE_LOG_LEVEL: 'verbose' }).stderr).toBe('tollgate: TOLLGATE_LOG_LEVEL=verbose is not a log level: use one of fatal, error, warn, info, debug, trace, silent\n');
    const file = writeConfig('plugins:\n  - ./plugins/missing.mjs\nmodel_list:\n  - model_name: m\n    params: { model: mock/m }\n');
    const r = run(['--config', file, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tollgate: Plugin file ./plugins/missing.mjs not found: looked for ${path.join(path.dirname(file), 'plugins/missing.mjs')} (relative paths are resolved from the config file's folder).\n`);
  });

  it('names the port in use and what to do', async () => {
    const { url } = await start(['--config', QUICKSTART, '--port', '0']);
    const port = new URL(url).port;
    const r = run(['--config', QUICKSTART, '--port', port]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tollgate: port ${port} is already in use on 127.0.0.1: stop the process using it, or pick another port with --port\n`);
  });

  it('prints an IPv6 wildcard address in brackets', async () => {
    const { url, logs } = await start(['--config', QUICKSTART, '--host', '::', '--port', '0']);
    expect(url).toMatch(/^http:\/\/\[::\]:\d+$/);
    expect(logs()).toContain(`listening on ${url}`);
  });

  it('reads LITELLM_MASTER_KEY directly: auth is on without the config naming it', async () => {
    const { url, logs } = await start(['--config', QUICKSTART, '--port', '0'], { LITELLM_MASTER_KEY: 'sk-from-env-1234' });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect((await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    expect((await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-from-env-1234' }, body })).status).toBe(200);
    expect(logs()).toContain('auth:    on (master key)');
    expect(logs()).not.toContain('sk-from-env-1234');
  });
});

describe('log format', () => {
  it('is JSON lines when stdout is not a terminal, pretty when asked (as on a terminal)', async () => {
    const json = await start(['--config', QUICKSTART, '--port', '0']);
    expect(json.logs()).toMatch(/^\{"level":30,/m);
    const proc = spawn(process.execPath, [cli, '--config', QUICKSTART, '--port', '0'], { cwd: root, env: { ...process.env, TOLLGATE_LOG_FORMAT: 'pretty', NO_COLOR: '1' } });
    children.push(proc);
    let out = '';
    proc.stdout!.on('data', (d) => { out += d; });
    await expect.poll(() => out, { timeout: 10_000 }).toMatch(/INFO: Tollgate listening/);
    expect(out).not.toContain('{"level"');
  });
});

describe('the known hangs', { timeout: 40_000 }, () => {
  it('exits on SIGTERM when stdout is a closed pipe (`tollgate start | head -1`)', async () => {
    const { url, proc } = await start(['start', '--config', QUICKSTART, '--port', '0']);
    proc.stdout!.destroy();
    // Lines written now fail with EPIPE.
    for (let i = 0; i < 3; i++) await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}' });
    const code = exited(proc);
    proc.kill('SIGTERM');
    expect(await code).toBe(0);
  });

  it('a second signal exits at once, without waiting for in-flight requests', async () => {
    const file = writeConfig('model_list:\n  - model_name: slow\n    params: { model: mock/slow, mock_latency_ms: 15000 }\n');
    const { url, proc } = await start(['--config', file, '--port', '0']);
    const pending = fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"slow","messages":[{"role":"user","content":"x"}]}' }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    const code = exited(proc);
    proc.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    expect(proc.exitCode).toBeNull();
    proc.kill('SIGINT');
    expect(await code).toBe(130);
    await pending;
  });
});

describe('--num_workers', { timeout: 60_000 }, () => {
  /** The pid of the process that answered: generated request ids start with tg-<pid in base 36>-. */
  function answeredBy(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${url}/v1/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(String(res.headers['x-request-id']).split('-')[1]);
      });
      req.on('error', reject);
      req.end('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}');
    });
  }

  it('serves one port from N worker processes, and stops them all on SIGTERM', async () => {
    const { url, proc, logs } = await start(['--config', QUICKSTART, '--port', '0', '--num_workers', '2']);
    await expect.poll(logs, { timeout: 10_000 }).toContain('(2 workers)');
    const pids = new Set<string>();
    for (let i = 0; i < 20 && pids.size < 2; i++) pids.add(await answeredBy(url));
    expect(pids.size).toBe(2);
    expect([...pids].map((p) => parseInt(p, 36))).not.toContain(proc.pid);
    const code = exited(proc);
    proc.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(logs().match(/"msg":"stopped"/g)).toHaveLength(2);
  });

  it('a worker that cannot listen stops the whole start with one line', async () => {
    const { url } = await start(['--config', QUICKSTART, '--port', '0']);
    const port = new URL(url).port;
    const r = run(['--config', QUICKSTART, '--port', port, '--num_workers', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tollgate: port ${port} is already in use on 127.0.0.1: stop the process using it, or pick another port with --port\n`);
  });
});
