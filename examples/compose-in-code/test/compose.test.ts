import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startMockOpenAI, type MockOpenAIServer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The example is plain JavaScript run by node, so it uses the built packages (dist), not the sources.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('../index.mjs', import.meta.url));
const run = promisify(execFile);

function requireBuilt(): void {
  const needed = ['packages/core/dist/index.js', 'packages/adapters-openai/dist/index.js', 'packages/adapters-mock/dist/index.js'];
  const missing = needed.filter((f) => !existsSync(root + f));
  if (missing.length) throw new Error(`compose-in-code runs the built packages, and ${missing.join(', ')} is missing: run \`pnpm build\` first.`);
  if (!existsSync(root + 'examples/compose-in-code/node_modules/@tollgate/core')) {
    throw new Error('examples/compose-in-code has no node_modules/@tollgate/core: run `pnpm install` first.');
  }
}

/** Run the example with a clean environment: no real OpenAI key leaks in from the developer's shell. */
async function runExample(env: Record<string, string> = {}): Promise<string> {
  const { OPENAI_API_KEY: _k, OPENAI_BASE_URL: _b, ...rest } = process.env;
  const { stdout } = await run(process.execPath, [script], { cwd: root, env: { ...rest, ...env }, timeout: 15_000 });
  return stdout;
}

describe('examples/compose-in-code', () => {
  beforeAll(requireBuilt);

  it('answers from the mock provider, non-streamed and streamed, with no network and no key', async () => {
    const out = await runExample();
    expect(out.trim().split('\n')).toEqual([
      'local non-streamed: Hello from the mock provider.',
      'local streamed: Hello from the mock provider.',
      'account saw 2 requests, 2 ok, 1 tagged by transformResponse (streams skip it)',
    ]);
  });

  describe('with OPENAI_API_KEY set', () => {
    let upstream: MockOpenAIServer;
    beforeAll(async () => {
      upstream = await startMockOpenAI({ apiKey: 'sk-compose-test', replyText: 'Hello from OpenAI.' });
    });
    afterAll(() => upstream?.close());

    it('also calls the OpenAI model group at OPENAI_BASE_URL with the key', async () => {
      const out = await runExample({ OPENAI_API_KEY: 'sk-compose-test', OPENAI_BASE_URL: `${upstream.url}/v1` });
      expect(out.trim().split('\n')).toEqual([
        'local non-streamed: Hello from the mock provider.',
        'local streamed: Hello from the mock provider.',
        'openai non-streamed: Hello from OpenAI.',
        'openai streamed: Hello from OpenAI.',
        'account saw 4 requests, 4 ok, 2 tagged by transformResponse (streams skip it)',
      ]);
      expect(upstream.requests.map((r) => [r.method, r.path, r.headers.authorization, r.body.model, r.body.stream ?? false])).toEqual([
        ['POST', '/v1/chat/completions', 'Bearer sk-compose-test', 'gpt-4o-mini', false],
        ['POST', '/v1/chat/completions', 'Bearer sk-compose-test', 'gpt-4o-mini', true],
      ]);
    });
  });
});
