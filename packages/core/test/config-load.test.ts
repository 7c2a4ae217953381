import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { normalizeConfig } from '../src/config/normalize.js';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tollgate-load-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const MODELS = 'model_list:\n  - model_name: m\n    params: { model: mock/m }\n';

describe('hostile configs', () => {
  it('a YAML alias bomb fails fast with a message, not gigabytes later', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const root = project({ 'tollgate.config.yaml': lines.join('\n') + '\n' });
    const started = Date.now();
    await expect(loadConfig(path.join(root, 'tollgate.config.yaml'))).rejects.toThrow('YAML aliases expand beyond the limit of 100 (an alias bomb?)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('YAML anchors and merge keys within the limit still work', async () => {
    const root = project({ 'c.yaml': 'base: &base { model: mock/m, mock_latency_ms: 1 }\nmodel_list:\n  - model_name: m\n    params:\n      <<: *base\n      mock_response: hi\n' });
    const { config } = await loadConfig(path.join(root, 'c.yaml'), { env: {} });
    expect(config.model_list[0].params).toMatchObject({ model: 'mock/m', mock_latency_ms: 1, mock_response: 'hi' });
  });

  it.each([
    ['YAML', 'c.yaml', `${MODELS}settings:\n  __proto__: { master_key: sneaky }\nrouter_settings:\n  constructor: 1\n`],
    ['JSON', 'c.json', '{"model_list":[{"model_name":"m","params":{"model":"mock/m","prototype":1}}],"router_settings":{"__proto__":{"num_retries":9}}}'],
  ])('%s: __proto__, constructor and prototype keys are refused, naming every one', async (_kind, name, text) => {
    const root = project({ [name]: text });
    const err = await loadConfig(path.join(root, name), { env: {} }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^Config keys that are not allowed \(they would reach the object prototype\): /);
    if (name === 'c.yaml') expect((err as Error).message).toContain('settings.__proto__, router_settings.constructor');
    else expect((err as Error).message).toContain('model_list[0].params.prototype, router_settings.__proto__');
  });

  it('a config object built in code cannot smuggle keys through __proto__ either', () => {
    const raw = JSON.parse('{"model_list":[],"settings":{"__proto__":{"master_key":"x"}}}') as Record<string, unknown>;
    expect(() => normalizeConfig(raw, {})).toThrow('settings.__proto__');
  });

  it('hasOwnProperty as a key neither crashes start-up nor changes anything', async () => {
    const root = project({ 'c.yaml': `${MODELS}settings:\n  hasOwnProperty: 1\n` });
    const { config } = await loadConfig(path.join(root, 'c.yaml'), { env: {} });
    expect(config.settings.master_key).toBeUndefined();
  });
});

describe('config search', () => {
  it('walks up from a subfolder to the repository root', async () => {
    const root = project({ '.git/HEAD': 'ref', 'tollgate.config.yaml': MODELS, 'src/deep/x.txt': '' });
    const loaded = await loadConfig(undefined, { searchFrom: path.join(root, 'src/deep'), env: {} });
    expect(loaded.filepath).toBe(path.join(root, 'tollgate.config.yaml'));
    expect(loaded.dir).toBe(root);
  });

  it('does not look above the repository root', async () => {
    const outer = project({ 'tollgate.config.yaml': MODELS, 'repo/.git/HEAD': 'ref', 'repo/src/x.txt': '' });
    const loaded = await loadConfig(undefined, { searchFrom: path.join(outer, 'repo/src'), env: {} });
    expect(loaded.filepath).toBeNull();
  });

  it("finds LiteLLM's config.yaml, but only one that has a model_list", async () => {
    const root = project({ '.git/HEAD': 'ref', 'config.yaml': `model_list:\n  - model_name: m\n    litellm_params: { model: mock/m }\n`, 'app/config.yaml': 'port: 8080\n' });
    const loaded = await loadConfig(undefined, { searchFrom: path.join(root, 'app'), env: {} });
    expect(loaded.filepath).toBe(path.join(root, 'config.yaml'));
  });

  it('prefers tollgate.config.* over config.yaml in the same folder', async () => {
    const root = project({ '.git/HEAD': 'ref', 'config.yaml': MODELS, 'tollgate.config.yaml': MODELS });
    expect((await loadConfig(undefined, { searchFrom: root, env: {} })).filepath).toBe(path.join(root, 'tollgate.config.yaml'));
  });

  it('names a missing --config file', async () => {
    await expect(loadConfig('does-not-exist.yaml')).rejects.toThrow(/^Config file not found: does-not-exist.yaml \(looked at .*does-not-exist.yaml\)\.$/);
  });
});

describe('LiteLLM environment variables', () => {
  it('fill master_key, database_url and redis_url when the config does not set them', async () => {
    const root = project({ 'c.yaml': MODELS });
    const { config } = await loadConfig(path.join(root, 'c.yaml'), { env: { LITELLM_MASTER_KEY: 'sk-env', DATABASE_URL: 'postgresql://db/x', REDIS_HOST: 'cache', REDIS_PORT: '6380', REDIS_PASSWORD: 'p@ss' } });
    expect(config.settings).toMatchObject({ master_key: 'sk-env', database_url: 'postgresql://db/x', redis_url: 'redis://:p%40ss@cache:6380' });
  });

  it('TOLLGATE_MASTER_KEY wins over LITELLM_MASTER_KEY, REDIS_URL over the parts, and the config over both', async () => {
    const root = project({ 'a.yaml': MODELS, 'b.yaml': `${MODELS}general_settings: { master_key: sk-config }\n` });
    const env = { TOLLGATE_MASTER_KEY: 'sk-tg', LITELLM_MASTER_KEY: 'sk-llm', REDIS_URL: 'redis://r:1', REDIS_HOST: 'ignored' };
    expect((await loadConfig(path.join(root, 'a.yaml'), { env })).config.settings).toMatchObject({ master_key: 'sk-tg', redis_url: 'redis://r:1' });
    expect((await loadConfig(path.join(root, 'b.yaml'), { env })).config.settings.master_key).toBe('sk-config');
  });

  it('sets nothing when the variables are unset or empty', async () => {
    const root = project({ 'c.yaml': MODELS });
    const { config } = await loadConfig(path.join(root, 'c.yaml'), { env: { LITELLM_MASTER_KEY: '' } });
    expect(Object.keys(config.settings)).toEqual([]);
  });
});
