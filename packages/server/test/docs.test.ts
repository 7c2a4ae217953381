import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs')).map((f) => `docs/${f}`),
  ...readdirSync(path.join(root, 'packages')).map((d) => `packages/${d}/README.md`),
  ...readdirSync(path.join(root, 'examples')).map((d) => `examples/${d}/README.md`),
].filter((f) => existsSync(path.join(root, f)));

describe('the READMEs link only inside the repository', () => {
  it.each(docs)('%s', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      expect(target, `${file}: ${target}`).not.toMatch(/^[a-z]+:/i);
      const resolved = path.resolve(path.dirname(path.join(root, file)), target.split('#')[0]);
      expect(resolved.startsWith(root), `${file}: ${target} leaves the repository`).toBe(true);
      expect(existsSync(resolved), `${file}: ${target} does not exist`).toBe(true);
    }
  });
});
