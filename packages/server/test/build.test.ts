import { describe, expect, it } from 'vitest';
import { ConfigError, normalizeConfig } from '@tollgate/core';
import { buildGateway } from '@tollgate/server';
import { silent } from './helpers.js';

const build = (raw: Record<string, unknown>, filepath: string | null = '/project/tollgate.config.yaml') => {
  const { config, warnings } = normalizeConfig(raw, {});
  return buildGateway({ config, warnings, filepath, dir: '/project' }, { logger: silent });
};

describe('a config that would serve nothing never starts silently', () => {
  it('zero models is an error with a hint, whether the file has none or no file was found', async () => {
    await expect(build({})).rejects.toThrow(ConfigError);
    await expect(build({})).rejects.toThrow('/project/tollgate.config.yaml has no models');
    await expect(build({}, null)).rejects.toThrow('no config file was found');
  });

  it('a misspelt section names the one it meant', async () => {
    await expect(build({ model_lst: [{ model_name: 'm', params: { model: 'mock/m' } }] })).rejects.toThrow('model_lst: is not a known key (did you mean `model_list`?)');
  });

  it('a typo in settings is an error, never a gateway with authentication off', async () => {
    await expect(build({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { master_kye: 'sk-1' } })).rejects.toThrow('settings.master_kye: is not a known key (did you mean `master_key`?)');
  });

  it('a wildcard-only config starts and serves', async () => {
    const g = await build({ model_list: [{ model_name: '*', params: { model: 'mock/*' } }] });
    expect((await g.chat({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] })).choices[0].message.content).toBe('hi');
    await g.close(0);
  });
});
