import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
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

let child: ChildProcess | undefined;
afterEach(() => { child?.kill('SIGKILL'); child = undefined; });

function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; proc: ChildProcess; logs: () => string }> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm build\` first (the README's test line does).`);
  const proc = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env } });
  child = proc;
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
