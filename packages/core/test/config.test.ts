import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ConfigError, Gateway, loadConfig, normalizeConfig, type Plugin } from '@tollgate/core';
import mock from '@tollgate/adapter-mock';
import openai from '@tollgate/adapter-openai';

/** Normalise a raw config and start a gateway on it (with the mock and OpenAI adapters); resolves to the warnings logged. */
async function start(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, plugins: Plugin[] = []): Promise<string[]> {
  const { config, warnings } = normalizeConfig(raw, env);
  const logged: string[] = [...warnings];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { logged.push(JSON.parse(line).msg); } });
  const g = new Gateway({ config, logger });
  await g.use(mock);
  await g.use(openai);
  for (const p of plugins) await g.use(p);
  await g.start();
  await g.close(0);
  return logged;
}

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tollgate-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
  return d;
}

describe('config', () => {
  it('loads a YAML file and resolves os.environ/ and ${} references', async () => {
    const d = dir({
      'tollgate.config.yaml': `
model_list:
  - model_name: gpt
    params:
      model: openai/gpt-4o
      api_key: os.environ/TG_TEST_KEY
      api_base: https://\${TG_TEST_HOST}/v1
      timeout: 30
settings:
  drop_params: true
`,
    });
    const loaded = await loadConfig(path.join(d, 'tollgate.config.yaml'), { env: { TG_TEST_KEY: 'sk-abc', TG_TEST_HOST: 'example.test' } });
    expect(loaded.config.model_list[0].params).toMatchObject({ model: 'openai/gpt-4o', api_key: 'sk-abc', api_base: 'https://example.test/v1', timeout: 30 });
    expect(loaded.config.settings.drop_params).toBe(true);
    expect(loaded.dir).toBe(d);
    expect(loaded.warnings).toEqual([]);
  });

  it('names a missing environment variable and where it is used', async () => {
    await expect(start({ model_list: [{ model_name: 'a', params: { model: 'openai/x', api_key: 'os.environ/NOPE_NOT_SET' } }] })).rejects.toThrow(
      'Environment variable NOPE_NOT_SET is not set (referenced at model_list[0].params.api_key).',
    );
    await expect(start({ settings: { master_key: '${ALSO_MISSING}' } })).rejects.toThrow(/ALSO_MISSING is not set \(referenced at settings.master_key\)/);
    expect(normalizeConfig({ settings: { master_key: '${MK:-sk-default}' } }, {}).config.settings.master_key).toBe('sk-default');
  });

  it('does not require variables that only ignored keys refer to, and lists every missing one at once', async () => {
    const warnings = await start({ model_list: [{ model_name: 'm', litellm_params: { model: 'mock/m' } }], router_settings: { redis_password: 'os.environ/REDIS_PASSWORD' } });
    expect(warnings.join('\n')).toContain('router_settings.redis_password');
    const err = await start({ model_list: [{ model_name: 'a', params: { model: 'openai/a', api_key: 'os.environ/K1', api_base: 'os.environ/B1' } }] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('K1 is not set (referenced at model_list[0].params.api_key)');
    expect((err as Error).message).toContain('B1 is not set (referenced at model_list[0].params.api_base)');
  });

  it('refuses an unknown key in Tollgate\'s own sections, naming the closest known key, and reports every problem at once', async () => {
    const err = await start({
      model_list: [{ model_name: 'm', params: { model: 'mock/m', rpn: 10 }, model_info: { max_tokenz: 5 } }],
      settings: { master_kye: 'sk-typo' },
      router: { num_retrys: 2 },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const m = (err as Error).message;
    expect(m).toContain('settings.master_kye: is not a known key (did you mean `master_key`?)');
    expect(m).toContain('router.num_retrys: is not a known key (did you mean `num_retries`?)');
    expect(m).toContain('model_list[0].params.rpn: is not a known key (did you mean `rpm`?)');
    expect(m).toContain('model_list[0].model_info.max_tokenz: is not a known key (did you mean `max_tokens`?)');
  });

  it('accepts the keys a plugin declares, and checks them with its schema', async () => {
    const plugin: Plugin = { name: 'p', config: { settings: { widget_ttl: { type: 'integer' } }, sections: { widgets: { type: 'array' } } }, apply() {} };
    await expect(start({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { widget_ttl: 5 }, widgets: [] }, {}, [plugin])).resolves.toEqual([]);
    await expect(start({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { widget_ttl: 'soon' } }, {}, [plugin])).rejects.toThrow('settings.widget_ttl: must be integer');
  });

  it('reports validation errors with the path of the offending field', () => {
    const raw = {
      model_list: [
        { model_name: 'a', params: { model: 'openai/a' } },
        { model_name: 'b', params: { model: 'openai/b' } },
        { model_name: 'c', params: { model: 'not-a-provider-model' } },
      ],
    };
    expect(() => normalizeConfig(raw, {})).toThrow('model_list[2].params.model: must be "provider/model"');
    expect(() => normalizeConfig({ model_list: [{ params: { model: 'x/y' } }] }, {})).toThrow('model_list[0].model_name: is required');
    expect(() => normalizeConfig({ model_list: [{ model_name: 'a', params: { model: 'x/y', rpm: 'lots' } }] }, {})).toThrow('model_list[0].params.rpm: must be number');
  });

  it('checks the values of core settings at start-up', async () => {
    await expect(start({ settings: { log_level: 'loud' } })).rejects.toThrow('settings.log_level: must be one of');
  });

  it('loads an unchanged LiteLLM proxy config and warns once about keys it does not use', async () => {
    const raw = {
        model_list: [
          { model_name: 'gpt-4o', litellm_params: { model: 'azure/gpt-4o-eu', api_base: 'os.environ/AZURE_API_BASE', api_key: 'os.environ/AZURE_API_KEY', api_version: '2024-10-21', rpm: 600 }, model_info: { id: 'eu-1' } },
          { model_name: 'gpt-4o', litellm_params: { model: 'gpt-4o', api_key: 'os.environ/OPENAI_API_KEY' } },
        ],
        router_settings: { routing_strategy: 'simple-shuffle', num_retries: 2, redis_host: 'localhost' },
        litellm_settings: { drop_params: true, request_timeout: 600, success_callback: ['langfuse'] },
        general_settings: { master_key: 'sk-1234', database_url: 'postgresql://x', alerting: ['slack'] },
    };
    const env = { AZURE_API_BASE: 'https://r.openai.azure.com', AZURE_API_KEY: 'k', OPENAI_API_KEY: 'sk-o' };
    const { config } = normalizeConfig(raw, env);
    expect(config.model_list[0]).toEqual({ model_name: 'gpt-4o', params: { model: 'azure/gpt-4o-eu', api_base: 'https://r.openai.azure.com', api_key: 'k', api_version: '2024-10-21', rpm: 600 }, model_info: { id: 'eu-1' } });
    expect(config.model_list[1].params.model).toBe('openai/gpt-4o');
    expect(config.router).toMatchObject({ routing_strategy: 'simple-shuffle', num_retries: 2 });
    expect(config.settings).toMatchObject({ drop_params: true, request_timeout: 600, master_key: 'sk-1234', database_url: 'postgresql://x' });
    const warnings = await start(raw, env);
    const unknown = warnings.filter((w) => w.startsWith('Config keys Tollgate does not use'));
    expect(unknown).toEqual(['Config keys Tollgate does not use (ignored): router_settings.routing_strategy, router_settings.redis_host, litellm_settings.success_callback, general_settings.database_url, general_settings.alerting']);
    expect(warnings.some((w) => w.includes('"gpt-4o" has no provider; using "openai/gpt-4o"'))).toBe(true);
  });

  it('names litellm_params in errors when the file used it', () => {
    expect(() => normalizeConfig({ model_list: [{ model_name: 'x', litellm_params: { model: 'mystery-model' } }] }, {})).toThrow('model_list[0].litellm_params.model: must be "provider/model"');
  });

  it('honours LiteLLM environment_variables for references in the same file', () => {
    const { config } = normalizeConfig({ environment_variables: { MY_KEY: 'sk-from-file' }, model_list: [{ model_name: 'a', params: { model: 'openai/a', api_key: 'os.environ/MY_KEY' } }] }, {});
    expect(config.model_list[0].params.api_key).toBe('sk-from-file');
  });

  it('loads JSON and TypeScript configs, and finds tollgate.config.* by search', async () => {
    const d = dir({
      'cfg.json': JSON.stringify({ model_list: [{ model_name: 'j', params: { model: 'mock/j' } }] }),
      'tollgate.config.ts': `const config: { model_list: Array<{ model_name: string; params: { model: string } }> } = { model_list: [{ model_name: 't', params: { model: 'mock/t' } }] };\nexport default config;\n`,
    });
    expect((await loadConfig(path.join(d, 'cfg.json'))).config.model_list[0].model_name).toBe('j');
    const found = await loadConfig(undefined, { searchFrom: d });
    expect(found.filepath).toBe(path.join(d, 'tollgate.config.ts'));
    expect(found.config.model_list[0].model_name).toBe('t');
  });

  it('says which file is missing', async () => {
    await expect(loadConfig('/definitely/not/here.yaml')).rejects.toThrow('Config file not found: /definitely/not/here.yaml');
  });
});
