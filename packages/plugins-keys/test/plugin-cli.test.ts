import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { openStore } from '../src/index.js';
import { STORE_KINDS } from './helpers.js';
import { startCli, type CliServer } from './cli.js';
import { MASTER, testDatabase } from './server.js';

const config = (databaseUrl: string, extra = '') => `
model_list:
  - model_name: gpt-4
    litellm_params: { model: mock/gpt-4, mock_latency_ms: 15 }
general_settings:
  master_key: ${MASTER}
  database_url: ${databaseUrl}
${extra}`;

async function admin(url: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return res.json();
}

describe.each(STORE_KINDS)('the tollgate CLI with a database_url (%s)', (kind) => {
  let cli: CliServer | undefined;
  let db: ReturnType<typeof testDatabase>;
  afterEach(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    cli = undefined;
    await db?.drop();
  });

  it('loads the keys plugin from database_url alone and loses no spend-log row when SIGTERM comes under load', async () => {
    db = testDatabase(kind);
    cli = await startCli(config(db.url));
    const { key } = await admin(cli.url, '/key/generate', {});
    const results: number[] = [];
    const inFlight: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      inFlight.push(
        fetch(`${cli.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: `n${i}` }] }) })
          .then(async (r) => { await r.text(); results.push(r.status); }, () => { results.push(0); })
          // SIGTERM once a fifth have been answered: the rest are in flight or not yet accepted.
          .then(() => { if (results.length === 60) cli!.child.kill('SIGTERM'); }),
      );
    }
    await Promise.all(inFlight);
    expect(await cli.exited).toBe(0);
    const answered = results.filter((s) => s === 200).length;
    // More than 60: requests in flight at SIGTERM were finished, not dropped.
    expect(answered).toBeGreaterThan(60);
    expect(answered).toBeLessThan(300);
    const store = await openStore(db.url);
    try {
      const rows = await store.spendLogs({ limit: 10_000 });
      expect(rows.filter((r) => r.status === 'success')).toHaveLength(answered);
    } finally {
      await store.close();
    }
  });

  it('answers a LiteLLM client script: admin calls with requests-style JSON, chat through the OpenAI SDK with the key', async () => {
    db = testDatabase(kind);
    cli = await startCli(config(db.url, 'litellm_settings:\n  max_budget: 100\n  budget_duration: 30d'));
    // docs/my-website/docs/proxy/virtual_keys.md, users.md, team_budgets.md: the same calls, from Node.
    const user = await admin(cli.url, '/user/new', { user_email: 'krrish@berri.ai', user_role: 'internal_user', max_budget: 10 });
    expect(user.user_id).toBeTruthy();
    const team = await admin(cli.url, '/team/new', { team_alias: 'my-new-team', max_budget: 20, budget_duration: '30d' });
    expect(team.team_id).toBeTruthy();
    const gen = await admin(cli.url, '/key/generate', { models: ['gpt-4'], duration: '20m', metadata: { user: 'ishaan@berri.ai' }, team_id: team.team_id, user_id: user.user_id });
    expect(gen).toMatchObject({ models: ['gpt-4'], team_id: team.team_id, user_id: user.user_id });
    expect(gen.expires).toBeTruthy();
    const client = new OpenAI({ apiKey: gen.key, baseURL: cli.url });
    const answer = await client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'this is a test request, write a short poem' }], user: 'customer-1' });
    expect(answer.choices[0]?.message.content).toBe('this is a test request, write a short poem');
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4']);
    await expect(client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 403 });
    const info = await admin(cli.url, `/key/info?key=${gen.key}`);
    expect(info.info).toMatchObject({ team_id: team.team_id, models: ['gpt-4'] });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});

describe('the tollgate CLI without a master key', () => {
  it('refuses to start with the keys plugin, saying how to set one, as LiteLLM does', async () => {
    const db = testDatabase('sqlite');
    try {
      await expect(startCli(`model_list: [{ model_name: m, litellm_params: { model: mock/m } }]\ngeneral_settings: { database_url: ${db.url} }\n`, { TOLLGATE_MASTER_KEY: '', LITELLM_MASTER_KEY: '' })).rejects.toThrow(/no master key is set[\s\S]*settings\.master_key[\s\S]*dangerously_allow_unsafe_proxy/);
    } finally {
      await db.drop();
    }
  });

  it('takes LITELLM_MASTER_KEY from the environment', async () => {
    const db = testDatabase('sqlite');
    const cli = await startCli(`model_list: [{ model_name: m, litellm_params: { model: mock/m } }]\ngeneral_settings: { database_url: ${db.url} }\n`, { TOLLGATE_MASTER_KEY: '', LITELLM_MASTER_KEY: 'sk-from-env-123' });
    try {
      const res = await fetch(`${cli.url}/key/generate`, { method: 'POST', headers: { authorization: 'Bearer sk-from-env-123', 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
      expect((await fetch(`${cli.url}/v1/models`)).status).toBe(401);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
      await db.drop();
    }
  });
});
