import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPlugin } from '@tollgate/core';

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-plugins-'));
  const pkg = (name: string, manifest: object, files: Record<string, string>) => {
    const d = path.join(dir, 'node_modules', name);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name, ...manifest }));
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(d, f), text);
  };
  pkg('esm-only-plugin', { type: 'module', exports: { '.': { import: './main.js' } } }, { 'main.js': "export default { name: 'esm-only', apply() {} };" });
  pkg('class-plugin', { type: 'module', exports: './index.js' }, { 'index.js': "export default class P { name = 'cls'; apply() {} }" });
  pkg('factory-plugin', { type: 'module', main: 'index.js' }, { 'index.js': "export default () => ({ name: 'factory', apply() {} });" });
  pkg('not-a-plugin', { type: 'module', main: 'index.js' }, { 'index.js': 'export default 42;' });
  writeFileSync(path.join(dir, 'local.mjs'), "export default { name: 'local', apply() {} };");
  return dir;
}

describe('loading plugins named in a config', () => {
  const dir = project();

  it('loads ESM-only packages, classes, factories and relative paths', async () => {
    expect((await importPlugin('esm-only-plugin', [dir])).name).toBe('esm-only');
    expect((await importPlugin('class-plugin', [dir])).name).toBe('cls');
    expect((await importPlugin('factory-plugin', [dir])).name).toBe('factory');
    expect((await importPlugin('./local.mjs', [dir])).name).toBe('local');
  });

  it('names the install command for a missing package, and refuses non-plugins', async () => {
    await expect(importPlugin('tollgate-plugin-nowhere', [dir])).rejects.toThrow('Plugin "tollgate-plugin-nowhere" is not installed');
    await expect(importPlugin('tollgate-plugin-nowhere', [dir])).rejects.toThrow('npm i tollgate-plugin-nowhere');
    await expect(importPlugin('not-a-plugin', [dir])).rejects.toThrow('does not export a Tollgate plugin');
    await expect(importPlugin('./missing.mjs', [dir])).rejects.toThrow(`Plugin file ./missing.mjs not found: looked for ${path.join(dir, 'missing.mjs')}`);
  });

  it('finds a package in the next directory when the first lacks it (config dir, then cwd, then the server install)', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tollgate-empty-'));
    expect((await importPlugin('class-plugin', [empty, dir])).name).toBe('cls');
  });

  it('reports the real error of an installed package that fails to load, never "not installed"', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'tollgate-broken-'));
    mkdirSync(path.join(d, 'node_modules', 'broken-plugin'), { recursive: true });
    writeFileSync(path.join(d, 'node_modules', 'broken-plugin', 'package.json'), JSON.stringify({ name: 'broken-plugin', type: 'module', main: 'index.js' }));
    writeFileSync(path.join(d, 'node_modules', 'broken-plugin', 'index.js'), "import 'a-dependency-that-is-missing';\nexport default { name: 'b', apply() {} };");
    const err = await importPlugin('broken-plugin', [d]).catch((e: Error) => e);
    expect((err as Error).message).toContain('Plugin "broken-plugin"');
    expect((err as Error).message).toContain('failed to load');
    expect((err as Error).message).toContain('a-dependency-that-is-missing');
  });
});
