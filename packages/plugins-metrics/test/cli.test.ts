import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startCollector } from '../../plugins-otel/test/collector.js';
import { parseProm, total } from './prom.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'packages/server/dist/cli.js');
const MASTER = 'sk-cli-metrics-master-41c2';

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A project directory as a user has it after `npm i @tollgate/plugin-metrics @tollgate/plugin-otel`
 * (the packages linked from this workspace, built), with its config file.
 */
function project(config: string): string {
  if (!existsSync(cli) || !existsSync(path.join(root, 'packages/plugins-metrics/dist/index.js'))) throw new Error('run `pnpm build` first (the README\'s test line does).');
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-obs-'));
  mkdirSync(path.join(dir, 'node_modules/@tollgate'), { recursive: true });
  for (const p of ['plugins-metrics', 'plugins-otel']) symlinkSync(path.join(root, 'packages', p), path.join(dir, 'node_modules/@tollgate', p.replace('plugins-', 'plugin-')));
  writeFileSync(path.join(dir, 'config.yaml'), config);
  return dir;
}

function start(cwd: string, env: Record<string, string> = {}): Promise<string> {
  const proc = spawn(process.execPath, [cli, 'start', '--config', 'config.yaml', '--port', '0', '--host', '127.0.0.1'], { cwd, env: { ...process.env, ...env } });
  child = proc;
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
}

const chat = async (url: string) => {
  const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
  await res.body.text();
  return res.statusCode;
};

describe('tollgate start with the observability plugins installed', () => {
  it('loads both from an unchanged LiteLLM config (callbacks: prometheus, otel)', async () => {
    const collector = await startCollector();
    try {
      const cwd = project([
        'model_list:',
        '  - model_name: gpt-4o-mini',
        '    litellm_params:',
        '      model: mock/gpt-4o-mini',
        'general_settings:',
        `  master_key: ${MASTER}`,
        'litellm_settings:',
        '  callbacks: ["prometheus", "otel"]',
        '',
      ].join('\n'));
      const url = await start(cwd, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '10' });
      expect(await chat(url)).toBe(200);
      expect((await request(`${url}/metrics`)).statusCode).toBe(401);
      let p = parseProm('');
      for (let i = 0; i < 50 && total(p, 'litellm_proxy_total_requests_metric_total') < 1; i++) {
        const res = await request(`${url}/metrics`, { headers: { authorization: `Bearer ${MASTER}` } });
        p = parseProm(await res.body.text());
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(total(p, 'litellm_proxy_total_requests_metric_total', { requested_model: 'gpt-4o-mini', status_code: '200' })).toBe(1);
      expect(total(p, 'tollgate_requests_total', { model_group: 'gpt-4o-mini', outcome: 'ok' })).toBe(1);
      const [span] = await collector.waitFor((s) => s.kind === 2);
      expect(span.name).toBe('chat gpt-4o-mini');
    } finally {
      await collector.close();
    }
  });

  it('loads the metrics plugin and the webhook logger by package name with their options', async () => {
    const received: unknown[] = [];
    const sink = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { received.push(...JSON.parse(body)); res.end(); });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      const cwd = project([
        'model_list:',
        '  - model_name: gpt-4o-mini',
        '    params: { model: mock/gpt-4o-mini }',
        'plugins:',
        '  - ["@tollgate/plugin-metrics", { public: true }]',
        `  - ["@tollgate/plugin-metrics/webhook", { url: "http://127.0.0.1:${(sink.address() as AddressInfo).port}/in", flushIntervalMs: 20 }]`,
        'settings:',
        `  master_key: ${MASTER}`,
        '',
      ].join('\n'));
      const url = await start(cwd);
      expect(await chat(url)).toBe(200);
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual([expect.objectContaining({ model: 'gpt-4o-mini', status: 200, outcome: 'ok', key: 'master_key' })]);
      const res = await request(`${url}/metrics`);
      expect(res.statusCode).toBe(200);
      const p = parseProm(await res.body.text());
      expect(total(p, 'tollgate_webhook_records_total', { result: 'sent' })).toBe(1);
    } finally {
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });
});
