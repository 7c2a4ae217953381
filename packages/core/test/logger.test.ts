import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAccessLogger, createLogger } from '@tollgate/core';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs a script against the built core in a child process; resolves with its stdout and when it came. */
function run(script: string): Promise<{ out: string; firstOutputMs: number; exitMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstOutputMs = -1;
    let out = '';
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { createLogger } from ${JSON.stringify(dist)};\n${script}`], { env: { ...process.env, TOLLGATE_LOG_LEVEL: '' } });
    child.stdout.on('data', (d) => { if (firstOutputMs < 0) firstOutputMs = performance.now() - started; out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', () => resolve({ out, firstOutputMs, exitMs: performance.now() - started }));
  });
}

describe('logger', () => {
  it('redacts credentials wherever the listed paths put them', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    log.info({ headers: { authorization: 'Bearer sk-abcdefghijklmnop', 'x-api-key': 'sk-ant-123456789' }, params: { api_key: 'sk-params-secret' }, master_key: 'sk-master-secret' }, 'config');
    const [line] = lines();
    expect(line.headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]' });
    expect(line.params).toEqual({ api_key: '[redacted]' });
    expect(line.master_key).toBe('[redacted]');
  });

  it('the access logger writes to the same place, and its parent still redacts', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    const access = createAccessLogger(log);
    access.info({ requestId: 'r1', model: 'gpt-4o-mini', status: 200 }, 'request');
    log.info({ api_key: 'sk-still-secret' }, 'after');
    expect(lines()).toMatchObject([
      { requestId: 'r1', model: 'gpt-4o-mini', status: 200, msg: 'request' },
      { api_key: '[redacted]', msg: 'after' },
    ]);
  });

  it('by default, batched lines still reach stdout when the process exits at once', async () => {
    const { out } = await run(`const log = createLogger({ level: 'info' }); for (let i = 0; i < 3; i++) log.info({ i }, 'line'); process.exit(0);`);
    expect(out.trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([0, 1, 2]);
  });

  it('by default, a lone line reaches stdout within the flush period, not at exit', async () => {
    const { out, firstOutputMs, exitMs } = await run(`const log = createLogger({ level: 'info' }); log.info('lone'); setTimeout(() => {}, 1500);`);
    expect(out).toContain('"msg":"lone"');
    // Measured against the exit, so a slow process start on a busy machine does not matter.
    expect(exitMs - firstOutputMs).toBeGreaterThan(1000);
  });
});
