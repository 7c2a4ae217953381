#!/usr/bin/env node
// CI: what a user gets from npm. Packs every public package (pnpm pack: workspace ranges become
// versions, prepack builds), installs the tarballs into a fresh project with plain npm, and from
// there runs a gateway composed in code and `tollgate start`; then copies
// examples/plugin-request-tagger outside the repository and runs its `npm test` against the
// tarballs. Everything listens on 127.0.0.1 and is bounded in time.
//
//   node .ci/pack-smoke.mjs            (after `pnpm build`; .ci/run calls it after the tests)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'tollgate-pack-'));
const step = (s) => process.stdout.write(`pack-smoke: ${s}\n`);
const sh = (cmd, args, cwd, extra = {}) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 600_000, ...extra });
const npm = (args, cwd) => sh('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);
let failures = 0;
let passes = 0;
const check = (ok, what) => {
  step(`${ok ? 'ok' : 'FAILED'}  ${what}`);
  if (ok) passes++;
  else failures++;
};

// 1. Pack every public package.
const tarballs = new Map();
const dirs = [...readdirSync(path.join(ROOT, 'packages')).map((d) => `packages/${d}`), 'examples/plugin-request-tagger'];
const packs = path.join(work, 'tarballs');
mkdirSync(packs);
for (const d of dirs) {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, d, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  for (const f of ['LICENSE', 'README.md']) check(existsSync(path.join(ROOT, d, f)), `${pkg.name} has ${f}`);
  for (const k of ['description', 'repository', 'keywords']) check(!!pkg[k], `${pkg.name} has ${k}`);
  check(pkg.publishConfig?.access === 'public' && !!pkg.scripts?.prepack, `${pkg.name} has publishConfig.access public and a prepack build`);
  const out = sh('pnpm', ['pack', '--pack-destination', packs], path.join(ROOT, d));
  tarballs.set(pkg.name, out.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop());
}
step(`packed ${tarballs.size} packages`);

// 2. A fresh project installs them with plain npm.
const app = path.join(work, 'app');
mkdirSync(app);
writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'tollgate-smoke-app', private: true, type: 'module' }, null, 2));
npm(['install', ...[...tarballs].filter(([n]) => n.startsWith('@tollgate/')).map(([, t]) => t)], app);
const installed = JSON.parse(sh('npm', ['ls', '--json', '--depth=0'], app)).dependencies ?? {};
check(Object.keys(installed).filter((n) => n.startsWith('@tollgate/')).length === [...tarballs.keys()].filter((n) => n.startsWith('@tollgate/')).length, 'every @tollgate package installs with npm');
const cores = sh('npm', ['ls', '@tollgate/core', '--all', '--parseable'], app).trim().split('\n').filter(Boolean);
check(cores.length === 1, `one copy of @tollgate/core in the tree (${cores.length})`);

// Source maps point at files that ship.
const map = JSON.parse(readFileSync(path.join(app, 'node_modules/@tollgate/core/dist/index.js.map'), 'utf8'));
check(map.sources.every((s) => existsSync(path.resolve(app, 'node_modules/@tollgate/core/dist', s))), 'source maps resolve to shipped sources');

// 3. A gateway composed in code (examples/compose-in-code, unchanged).
cpSync(path.join(ROOT, 'examples/compose-in-code/index.mjs'), path.join(app, 'compose.mjs'));
const { OPENAI_API_KEY: _k, ...env } = process.env;
const composed = sh(process.execPath, ['compose.mjs'], app, { env, timeout: 30_000 });
check(composed.includes('local non-streamed: Hello from the mock provider.') && composed.includes('local streamed: Hello from the mock provider.'), 'compose-in-code runs from the installed packages');

// 4. `tollgate start` from the installed bin, answering a request.
cpSync(path.join(ROOT, 'examples/quickstart/tollgate.config.yaml'), path.join(app, 'tollgate.config.yaml'));
await new Promise((resolve) => {
  const proc = spawn(path.join(app, 'node_modules/.bin/tollgate'), ['start', '--port', '0'], { cwd: app, env: { ...env, TOLLGATE_LOG_FORMAT: 'json' } });
  let out = '';
  const timer = setTimeout(() => { check(false, `tollgate start listened within 20 s: ${out}`); proc.kill('SIGKILL'); }, 20_000);
  const onData = async (d) => {
    out += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (!m || proc.answered) return;
    proc.answered = true;
    clearTimeout(timer);
    const res = await fetch(`${m[1]}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'from the tarballs' }] }) });
    const body = await res.json();
    check(res.status === 200 && body.choices?.[0]?.message?.content === 'from the tarballs', 'tollgate start (found tollgate.config.yaml itself) answers a chat completion');
    proc.kill('SIGTERM');
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.on('exit', (code) => { clearTimeout(timer); check(code === 0, `tollgate exits 0 on SIGTERM (${code})`); resolve(); });
});

// 5. A TypeScript config without `typescript` installed says how to fix it.
const tsDir = path.join(app, 'ts-config');
mkdirSync(tsDir);
writeFileSync(path.join(tsDir, 'tollgate.config.ts'), 'export default { model_list: [] };\n');
try {
  sh(path.join(app, 'node_modules/.bin/tollgate'), ['--config', 'ts-config/tollgate.config.ts', '--port', '0'], app, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  check(false, 'a TypeScript config without typescript fails');
} catch (err) {
  check(/needs the "typescript" package to load: npm i -D typescript/.test(String(err.stderr)), `a TypeScript config without typescript names the fix (${String(err.stderr).trim()})`);
}

// 6. The plugin template stands alone: a copy outside the repository, its npm test against the tarballs.
const tagger = path.join(work, 'tollgate-plugin-request-tagger');
for (const f of ['src', 'test', 'package.json', 'tsconfig.json', 'README.md', 'LICENSE']) cpSync(path.join(ROOT, 'examples/plugin-request-tagger', f), path.join(tagger, f), { recursive: true });
const pkg = JSON.parse(readFileSync(path.join(tagger, 'package.json'), 'utf8'));
for (const deps of [pkg.dependencies, pkg.devDependencies]) for (const name of Object.keys(deps ?? {})) if (String(deps[name]).startsWith('workspace:')) deps[name] = `file:${tarballs.get(name)}`;
// Not on the registry yet: what @tollgate/server itself depends on comes from the tarballs too.
pkg.overrides = Object.fromEntries([...tarballs].filter(([n]) => n.startsWith('@tollgate/') && !pkg.devDependencies?.[n]).map(([n, t]) => [n, `file:${t}`]));
writeFileSync(path.join(tagger, 'package.json'), JSON.stringify(pkg, null, 2));
npm(['install'], tagger);
try {
  const out = sh('npm', ['test'], tagger, { stdio: ['ignore', 'pipe', 'pipe'] });
  check(/Tests\s+\d+ passed/.test(out.replace(/\x1b\[[0-9;]*m/g, '')), 'examples/plugin-request-tagger: npm test passes in a copy outside the repository');
} catch (err) {
  check(false, `examples/plugin-request-tagger: npm test in a copy outside the repository\n${err.stdout}\n${err.stderr}`);
}

rmSync(work, { recursive: true, force: true });
// The plain closing line CI reads.
process.stdout.write(`pack-smoke: ${passes} passed, ${failures} failed\n`);
process.exit(failures ? 1 : 0);
