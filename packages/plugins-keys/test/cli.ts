import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const cliJs = fileURLToPath(new URL('../../server/dist/cli.js', import.meta.url));

export interface CliServer {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Stands in for @tollgate/plugin-cost (same name, so the server does not load the package, whose
 * main-branch skeleton exports no plugin yet): the cost reader under its token, 1e-6 USD a token.
 */
const TEST_COST = `export default {
  name: '@tollgate/plugin-cost',
  apply(g) {
    g.container.register(Symbol.for('@tollgate/plugin-cost.records'), { useValue: (ctx) => {
      const i = ctx.usage?.prompt_tokens ?? 0, o = ctx.usage?.completion_tokens ?? ctx.streamEvents;
      return { cost: (i + o) * 1e-6, input_tokens: i, output_tokens: o, cached_tokens: 0, reasoning_tokens: 0 };
    } });
  },
};
`;

/**
 * `node packages/server/dist/cli.js start --config <file>` in a child process, from this package's
 * directory (so the config's `database_url` gets @tollgate/plugin-keys loaded, as an install next
 * to the config would). Resolves once it listens.
 */
export async function startCli(configYaml: string, env: NodeJS.ProcessEnv = {}, plugins: unknown[] = []): Promise<CliServer> {
  for (const f of [cliJs, join(pkgDir, 'dist/index.js')]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`pnpm build\` first.`);
  const dir = mkdtempSync(join(tmpdir(), 'tg-keys-cli-'));
  const file = join(dir, 'config.yaml');
  // JSON is YAML: the plugin list is written as JSON after the test cost plugin.
  writeFileSync(file, `plugins: ${JSON.stringify(['./test-cost.mjs', ...plugins])}\n${configYaml}`);
  writeFileSync(join(dir, 'test-cost.mjs'), TEST_COST);
  const child = spawn(process.execPath, [cliJs, 'start', '--config', file, '--port', '0'], { cwd: pkgDir, env: { ...process.env, ...env } });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`tollgate exited (${code}) before listening:\n${out}`)));
  });
  return { url, child, output: () => out, exited };
}
