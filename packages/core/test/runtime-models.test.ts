import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tollgate/core';
import { gatewayWith, user } from './helpers.js';

describe('models added while running (setRuntimeModels)', () => {
  it('serves a new group at once, lists it, and drops it when replaced by an empty set', async () => {
    const g = await gatewayWith([{ model_name: 'a', params: { model: 'mock/a', mock_response: 'from a' } }]);
    g.setRuntimeModels([{ model_name: 'db', params: { model: 'mock/db', mock_response: 'from db' }, model_info: { id: 'db-1' } }]);
    expect((await g.chat({ model: 'db', messages: [user('x')] })).choices[0].message.content).toBe('from db');
    expect(g.models().data.map((m) => m.id)).toEqual(['a', 'db']);
    g.setRuntimeModels([]);
    await expect(g.chat({ model: 'db', messages: [user('x')] })).rejects.toMatchObject({ status: 404 });
    expect(g.models().data.map((m) => m.id)).toEqual(['a']);
    await g.close(0);
  });

  it('joins a config group without re-preparing the config deployment', async () => {
    const g = await gatewayWith([{ model_name: 'a', params: { model: 'mock/a', order: 2 } }]);
    const configDeployment = g.group('a')!.deployments[0];
    g.setRuntimeModels([{ model_name: 'a', params: { model: 'mock/b', order: 1 }, model_info: { id: 'db-b' } }]);
    expect(g.group('a')!.deployments.map((d) => d.id)).toEqual(['db-b', configDeployment.id]);
    expect(g.group('a')!.deployments[1]).toBe(configDeployment);
    await g.close(0);
  });

  it('refuses a set with an entry no adapter serves, naming it, and keeps the model list as it was', async () => {
    const g = await gatewayWith([{ model_name: 'a', params: { model: 'mock/a' } }]);
    g.setRuntimeModels([{ model_name: 'ok', params: { model: 'mock/ok' } }]);
    let err: unknown;
    try {
      g.setRuntimeModels([{ model_name: 'ok2', params: { model: 'mock/ok2' } }, { model_name: 'bad', params: { model: 'nowhere/x' } }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('runtime model 1 ("bad"');
    expect(g.models().data.map((m) => m.id)).toEqual(['a', 'ok']);
    await g.close(0);
  });
});
