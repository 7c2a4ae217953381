import { afterEach, describe, expect, it } from 'vitest';
import { STORE_KINDS } from './helpers.js';
import { MASTER, engineOf, keysServer, spendLogs, type KeysServer } from './server.js';

describe.each(STORE_KINDS)("LiteLLM's admin API through the reference server (%s)", (kind) => {
  let s: KeysServer;
  afterEach(async () => s?.close());

  it('mounts every admin route of the engine, with and without /v1, refusing callers without a key', async () => {
    s = await keysServer(kind);
    const mounted = new Set(s.app.gateway.routes.all().map((r) => `${r.method} ${r.path}`));
    for (const r of engineOf(s).routes) expect(mounted.has(`${r.method} ${r.path.replace(/^\/v1\//, '/')}`)).toBe(true);
    for (const path of ['/key/list', '/v1/key/list', '/team/list', '/user/list', '/organization/list', '/customer/list', '/end_user/list', '/budget/list', '/spend/logs', '/model/info', '/v1/model/info']) {
      expect((await s.call('GET', path, MASTER)).status, path).toBe(200);
      expect((await s.call('GET', path, null)).status, path).toBe(401);
    }
  });

  it('runs a key through its life: generate, info, update, list, regenerate, block, unblock, delete', async () => {
    s = await keysServer(kind);
    const gen = (await s.call('POST', '/key/generate', MASTER, { key_alias: 'ci', models: ['gpt-4'], max_budget: 10, metadata: { team: 'search' } })).body;
    expect(gen.key).toMatch(/^sk-[A-Za-z0-9_-]{43,}$/);
    expect(gen).toMatchObject({ key_alias: 'ci', models: ['gpt-4'], max_budget: 10 });
    const info = await s.call('GET', `/key/info?key=${gen.key}`, MASTER);
    expect(info.body.info).toMatchObject({ key_alias: 'ci', models: ['gpt-4'], spend: 0 });
    // LiteLLM echoes the key asked about; the record itself holds only its hash.
    expect(JSON.stringify(info.body.info)).not.toContain(gen.key);
    expect((await s.call('POST', '/key/update', MASTER, { key: gen.key, models: ['gpt-4', 'gpt-3.5-turbo'], rpm_limit: 100 })).status).toBe(200);
    expect((await s.chat(gen.key, { model: 'gpt-3.5-turbo' })).status).toBe(200);
    const list = (await s.call('GET', '/key/list?return_full_object=true', MASTER)).body;
    expect(list.total_count).toBeGreaterThanOrEqual(1);
    const regen = (await s.call('POST', `/key/${encodeURIComponent(gen.key)}/regenerate`, MASTER, {})).body;
    expect(regen.key).toMatch(/^sk-/);
    expect((await s.chat(gen.key)).status).toBe(401);
    expect((await s.chat(regen.key)).status).toBe(200);
    await s.call('POST', '/key/block', MASTER, { key: regen.key });
    expect((await s.chat(regen.key)).status).toBe(401);
    await s.call('POST', '/key/unblock', MASTER, { key: regen.key });
    expect((await s.chat(regen.key)).status).toBe(200);
    expect((await s.call('POST', '/key/delete', MASTER, { keys: [regen.key] })).body).toEqual({ deleted_keys: [regen.key] });
    expect((await s.chat(regen.key)).status).toBe(401);
  });

  it('lets a key read only its own info, and a team admin manage only its team', async () => {
    s = await keysServer(kind);
    await s.call('POST', '/user/new', MASTER, { user_id: 'lead' });
    const team = (await s.call('POST', '/team/new', MASTER, { team_alias: 'search', members_with_roles: [{ role: 'admin', user_id: 'lead' }] })).body;
    const other = (await s.call('POST', '/team/new', MASTER, { team_alias: 'other' })).body;
    const lead = await s.key({ user_id: 'lead', team_id: team.team_id });
    const stranger = await s.key();
    expect((await s.call('GET', `/key/info?key=${stranger}`, lead)).status).toBe(403);
    expect((await s.call('GET', `/team/info?team_id=${team.team_id}`, lead)).status).toBe(200);
    expect((await s.call('POST', '/team/member_add', lead, { team_id: team.team_id, member: { role: 'user', user_id: 'new-member' } })).status).toBe(200);
    expect((await s.call('POST', '/team/member_add', lead, { team_id: other.team_id, member: { role: 'user', user_id: 'x' } })).status).toBe(403);
    expect((await s.call('GET', `/team/info?team_id=${other.team_id}`, stranger)).status).not.toBe(200);
    const info = (await s.call('GET', `/team/info?team_id=${team.team_id}`, MASTER)).body;
    expect(info.team_info.members_with_roles.map((m: { user_id: string }) => m.user_id)).toEqual(expect.arrayContaining(['lead', 'new-member']));
  });

  it('manages users, organizations and end users, and reports their spend', async () => {
    s = await keysServer(kind);
    const org = (await s.call('POST', '/organization/new', MASTER, { organization_alias: 'acme', models: ['gpt-4'], max_budget: 100 })).body;
    expect((await s.call('PATCH', '/organization/update', MASTER, { organization_id: org.organization_id, organization_alias: 'acme-2' })).body.organization_alias).toBe('acme-2');
    expect((await s.call('POST', '/organization/member_add', MASTER, { organization_id: org.organization_id, member: { role: 'internal_user', user_id: 'dev' } })).status).toBe(200);
    const user = (await s.call('POST', '/user/new', MASTER, { user_id: 'dev-2', max_budget: 5, user_role: 'internal_user' })).body;
    expect(user.key).toMatch(/^sk-/);
    expect((await s.call('POST', '/user/update', MASTER, { user_id: 'dev-2', max_budget: 6 })).status).toBe(200);
    await s.call('POST', '/end_user/new', MASTER, { user_id: 'customer-9', max_budget: 3 });
    expect((await s.chat(user.key, { user: 'customer-9' })).status).toBe(200);
    await engineOf(s).flush();
    expect((await s.call('GET', '/customer/info?end_user_id=customer-9', MASTER)).body.spend).toBeGreaterThan(0);
    expect((await s.call('GET', '/user/info?user_id=dev-2', MASTER)).body.user_info.spend).toBeGreaterThan(0);
    const rows = await spendLogs(s, '?user_id=dev-2');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user: 'dev-2', end_user: 'customer-9', model_group: 'gpt-4', status: 'success' });
    expect((await s.call('GET', '/spend/keys', MASTER)).status).toBe(200);
    expect((await s.call('GET', '/spend/users', MASTER)).status).toBe(200);
    expect((await s.call('GET', '/global/spend/report?group_by=customer', MASTER)).status).toBe(200);
    expect((await s.call('POST', '/customer/delete', MASTER, { user_ids: ['customer-9'] })).status).toBe(200);
    expect((await s.call('POST', '/user/delete', MASTER, { user_ids: ['dev-2'] })).status).toBe(200);
    expect((await s.call('DELETE', '/organization/delete', MASTER, { organization_ids: [org.organization_id] })).status).toBe(200);
  });

  it('serves models kept in the database (store_model_in_db) from the moment /model/new answers, and stops at /model/delete', async () => {
    s = await keysServer(kind, { general: { store_model_in_db: true } });
    const key = await s.key();
    expect((await s.chat(key, { model: 'db-model' })).status).toBe(404);
    const created = (await s.call('POST', '/model/new', MASTER, { model_name: 'db-model', litellm_params: { model: 'mock/db', mock_response: 'from the database', api_key: 'secret-value' }, model_info: { id: 'db-1' } })).body;
    expect(created.litellm_params).not.toHaveProperty('api_key');
    const answer = await s.chat(key, { model: 'db-model' });
    expect(answer.body.choices[0].message.content).toBe('from the database');
    expect((await s.call('GET', '/v1/models', key)).body.data.map((m: { id: string }) => m.id)).toContain('db-model');
    const info = (await s.call('GET', '/model/info?litellm_model_id=db-1', MASTER)).body.data;
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ model_name: 'db-model', model_info: { id: 'db-1', db_model: true } });
    expect(JSON.stringify(info)).not.toContain('secret-value');
    await s.call('POST', '/model/update', MASTER, { model_info: { id: 'db-1' }, litellm_params: { mock_response: 'updated' } });
    expect((await s.chat(key, { model: 'db-model' })).body.choices[0].message.content).toBe('updated');
    await s.call('POST', '/model/delete', MASTER, { id: 'db-1' });
    expect((await s.chat(key, { model: 'db-model' })).status).toBe(404);
  });

  it("picks up another process's database models on its next poll", async () => {
    s = await keysServer(kind, { general: { store_model_in_db: true }, options: { model_refresh_interval_ms: 50 } });
    const second = await keysServer(kind, { general: { store_model_in_db: true }, databaseUrl: s.databaseUrl });
    try {
      await second.call('POST', '/model/new', MASTER, { model_name: 'shared-model', litellm_params: { model: 'mock/shared', mock_response: 'shared' } });
      let names: string[] = [];
      for (let i = 0; i < 100 && !names.includes('shared-model'); i++) {
        await new Promise((r) => setTimeout(r, 20));
        names = (await s.call('GET', '/v1/models', MASTER)).body.data.map((m: { id: string }) => m.id);
      }
      expect(names).toContain('shared-model');
    } finally {
      await second.stop();
    }
  });
});
