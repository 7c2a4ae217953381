import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, Gateway } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import keysPlugin from '../src/index.js';

const silent = pino({ level: 'silent' });

describe('plugin settings', () => {
  const dirs: string[] = [];
  const gateways: Gateway[] = [];
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.close(0);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'tg-keys-settings-'));
    dirs.push(d);
    return d;
  };

  it('keeps keys in tollgate.db beside the config file when no database_url is given', async () => {
    const dir = tmp();
    const g = new Gateway({ logger: silent, pluginDir: dir, config: { model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { master_key: 'sk-master-1' } } });
    gateways.push(g);
    await g.use(mock);
    await g.use(keysPlugin);
    await g.start();
    expect(existsSync(join(dir, 'tollgate.db'))).toBe(true);
  });

  it('resolves a relative SQLite database_url from the config directory', async () => {
    const dir = tmp();
    const g = new Gateway({ logger: silent, pluginDir: dir, config: { settings: { master_key: 'sk-master-1', database_url: 'data/keys.sqlite' } } });
    gateways.push(g);
    await expect(g.use(keysPlugin)).rejects.toThrow(/keys\.sqlite|directory/);
    const ok = new Gateway({ logger: silent, pluginDir: dir, config: { settings: { master_key: 'sk-master-1', database_url: 'keys.sqlite' } } });
    gateways.push(ok);
    await ok.use(keysPlugin);
    expect(existsSync(join(dir, 'keys.sqlite'))).toBe(true);
  });

  it('refuses to start without a master key, unless dangerously_allow_unsafe_proxy says so', async () => {
    const saved = [process.env.TOLLGATE_MASTER_KEY, process.env.LITELLM_MASTER_KEY];
    delete process.env.TOLLGATE_MASTER_KEY;
    delete process.env.LITELLM_MASTER_KEY;
    try {
      const dir = tmp();
      const g = new Gateway({ logger: silent, pluginDir: dir });
      gateways.push(g);
      await expect(g.use(keysPlugin)).rejects.toBeInstanceOf(ConfigError);
      const open = new Gateway({ logger: silent, pluginDir: dir, config: { model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { dangerously_allow_unsafe_proxy: true } } });
      gateways.push(open);
      await open.use(mock);
      await open.use(keysPlugin);
      await open.start();
      expect(open.authEnabled).toBe(false);
      expect((await open.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content).toBe('hi');
    } finally {
      if (saved[0] !== undefined) process.env.TOLLGATE_MASTER_KEY = saved[0];
      if (saved[1] !== undefined) process.env.LITELLM_MASTER_KEY = saved[1];
    }
  });

  it('gives a key with a wildcard model list no enumerated models and still refuses what its pattern excludes', async () => {
    const dir = tmp();
    const g = new Gateway({ logger: silent, pluginDir: dir, config: { model_list: [{ model_name: 'openai/gpt-4o', params: { model: 'mock/a' } }, { model_name: 'claude', params: { model: 'mock/b' } }], settings: { master_key: 'sk-master-1' } } });
    gateways.push(g);
    await g.use(mock);
    await g.use(keysPlugin);
    await g.start();
    const engine = g.container.resolve<import('../src/index.js').KeysEngine>(Symbol.for('@tollgate/plugin-keys.engine'));
    const { key } = (await engine.handle('POST', '/key/generate', { headers: { authorization: 'Bearer sk-master-1' }, body: { models: ['openai/*'] } })).body as { key: string };
    const caller = await g.authenticate({ authorization: `Bearer ${key}` });
    expect(caller.models).toBeNull();
    expect((await g.chat({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { caller })).choices[0]!.message.content).toBe('x');
    await expect(g.chat({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }, { caller })).rejects.toMatchObject({ status: 403, type: 'key_model_access_denied' });
  });
});
