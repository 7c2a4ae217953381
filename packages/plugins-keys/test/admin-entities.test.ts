import { afterEach, describe, expect, it } from 'vitest';
import { MASTER, STORE_KINDS, newKey, testEngine, type TestEngine } from './helpers.js';

const principalOf = (t: TestEngine, key: string) => t.engine.authenticate(key);

describe.each(STORE_KINDS)('teams, users, organizations, customers, budgets, spend and models on %s', (kind) => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  it('creates a team with members (the creator as admin), adds, updates and deletes members', async () => {
    t = await testEngine(kind);
    await t.call('POST', '/user/new', MASTER, { user_id: 'admin-u' });
    const team = await t.call('POST', '/team/new', MASTER, { team_alias: 'my-new-team', members_with_roles: [{ role: 'admin', user_id: 'admin-u' }], models: ['gpt-4'] });
    expect(team.status).toBe(200);
    expect(team.body).toMatchObject({ team_alias: 'my-new-team', models: ['gpt-4'], spend: 0, blocked: false, max_budget: null });
    expect(team.body.members_with_roles).toEqual([
      { user_id: 'default_user_id', user_email: null, role: 'admin' },
      { user_id: 'admin-u', user_email: null, role: 'admin' },
    ]);
    const id = team.body.team_id;
    const added = await t.call('POST', '/team/member_add', MASTER, { team_id: id, member: [{ role: 'user', user_id: 'm1' }, { role: 'user', user_email: 'm2@x.io' }], max_budget_in_team: 2 });
    expect(added.status).toBe(200);
    expect(added.body.members_with_roles).toHaveLength(4);
    expect(added.body.updated_users.map((u: { user_id: string }) => u.user_id)).toContain('m1');
    expect(added.body.updated_team_memberships[0]).toMatchObject({ team_id: id, user_id: 'm1', litellm_budget_table: { max_budget: 2 } });
    expect((await t.call('POST', '/team/member_add', MASTER, { team_id: id, member: { role: 'user', user_id: 'm1' } })).status).toBe(400);

    const info = await t.call('GET', '/team/info', MASTER, undefined, { team_id: id });
    expect(info.body.team_info.members_with_roles).toHaveLength(4);
    expect(info.body.team_memberships).toHaveLength(3);

    const upd = await t.call('POST', '/team/member_update', MASTER, { team_id: id, user_id: 'm1', max_budget_in_team: 0.0000001, role: 'admin' });
    expect(upd.body).toMatchObject({ team_id: id, user_id: 'm1', max_budget_in_team: 0.0000001 });
    const m1 = await t.call('GET', '/user/info', MASTER, undefined, { user_id: 'm1' });
    expect(m1.body.teams[0].team_memberships[0].litellm_budget_table.max_budget).toBe(0.0000001);

    const del = await t.call('POST', '/team/member_delete', MASTER, { team_id: id, user_email: 'm2@x.io' });
    expect(del.body.members_with_roles).toHaveLength(3);
    expect((await t.call('POST', '/team/member_delete', MASTER, { team_id: id, user_id: 'nobody' })).status).toBe(400);
  });

  it('updates a team keeping every other field, and answers /team/list', async () => {
    t = await testEngine(kind);
    const team = (await t.call('POST', '/team/new', MASTER, { team_alias: 'a', max_budget: 5, budget_duration: '7d' })).body;
    const upd = await t.call('POST', '/team/update', MASTER, { team_id: team.team_id, team_alias: 'b' });
    expect(upd.body.team_id).toBe(team.team_id);
    for (const [k, v] of Object.entries(team)) if (!['team_alias', 'updated_at', 'created_at'].includes(k)) expect(upd.body.data[k], k).toEqual(v);
    expect(upd.body.data.team_alias).toBe('b');
    expect((await t.call('GET', '/team/list', MASTER)).body.map((x: { team_id: string }) => x.team_id)).toEqual([team.team_id]);
    expect((await t.call('POST', '/team/update', MASTER, { team_id: 'nope' })).body.error).toMatchObject({ code: '404', message: 'Team not found, passed team_id=nope' });
  });

  it('shows team info to the master key and a team key, not to another key; 404 after delete', async () => {
    t = await testEngine(kind);
    const team = (await t.call('POST', '/team/new', MASTER, {})).body;
    await t.call('POST', '/user/new', MASTER, { user_id: 'n1', team_id: team.team_id });
    const teamKey = await newKey(t, { team_id: team.team_id });
    const otherKey = await newKey(t);
    expect((await t.call('GET', '/team/info', teamKey.key, undefined, { team_id: team.team_id })).status).toBe(200);
    expect((await t.call('GET', '/team/info', otherKey.key, undefined, { team_id: team.team_id })).status).toBe(401);
    expect((await t.call('GET', '/user/info', MASTER, undefined, { user_id: 'n1' })).body.teams).toHaveLength(1);
    expect((await t.call('POST', '/team/delete', MASTER, { team_ids: [team.team_id] })).status).toBe(200);
    expect((await t.call('GET', '/user/info', MASTER, undefined, { user_id: 'n1' })).body.teams).toHaveLength(0);
    expect((await t.call('GET', '/team/info', MASTER, undefined, { team_id: team.team_id })).status).toBe(404);
    expect((await t.call('GET', '/key/info', teamKey.key)).status).toBe(401);
  });

  it('blocks a team: its keys are refused until unblocked', async () => {
    t = await testEngine(kind);
    const team = (await t.call('POST', '/team/new', MASTER, {})).body;
    const k = await newKey(t, { team_id: team.team_id });
    expect((await t.call('POST', '/team/block', MASTER, { team_id: team.team_id })).body.blocked).toBe(true);
    await expect(principalOf(t, k.key)).rejects.toMatchObject({ status: 401, message: `Authentication Error, Team=${team.team_id} is blocked. Update via \`/team/unblock\` if your admin.` });
    await t.call('POST', '/team/unblock', MASTER, { team_id: team.team_id });
    await expect(principalOf(t, k.key)).resolves.toBeTruthy();
  });

  it('creates users with a key (LiteLLM defaults), shows info to admins and to the user, 403 to others', async () => {
    t = await testEngine(kind);
    const u = await t.call('POST', '/user/new', MASTER, { user_id: 'krrish@x.ai', models: ['azure-models'], max_budget: 10, budget_duration: '5s', user_email: 'k@x.ai' });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ user_id: 'krrish@x.ai', user_role: 'internal_user', models: ['azure-models'], max_budget: 10, budget_duration: '5s', user_email: 'k@x.ai', teams: [] });
    expect(u.body.key).toMatch(/^sk-/);
    const other = await t.call('POST', '/user/new', MASTER, {});
    expect(other.body.user_id).toMatch(/^[0-9a-f-]{36}$/);
    const self = await t.call('GET', '/user/info', u.body.key, undefined, { user_id: 'krrish@x.ai' });
    expect(self.status).toBe(200);
    expect(self.body.user_info).toMatchObject({ user_id: 'krrish@x.ai', max_budget: 10 });
    expect(self.body.keys).toHaveLength(1);
    expect(self.body.user_info.budget_reset_at).toBeTruthy();
    expect((await t.call('GET', '/user/info', other.body.key, undefined, { user_id: 'krrish@x.ai' })).status).toBe(403);
    expect((await t.call('POST', '/user/new', MASTER, { user_id: 'krrish@x.ai' })).status).toBe(400);
    expect((await t.call('POST', '/user/new', MASTER, { user_role: 'emperor' })).status).toBe(422);
  });

  it('updates (spend too), lists and deletes users, deleting their keys', async () => {
    t = await testEngine(kind);
    const u = (await t.call('POST', '/user/new', MASTER, { user_id: 'u1' })).body;
    const upd = await t.call('POST', '/user/update', MASTER, { user_id: 'u1', max_budget: 3, spend: 0 });
    expect(upd.body).toMatchObject({ user_id: 'u1', data: { max_budget: 3, spend: 0 } });
    expect((await t.call('POST', '/user/update', MASTER, { user_id: 'litellm-proxy-budget', spend: 0 })).status).toBe(200);
    const list = await t.call('GET', '/user/list', MASTER, undefined, { page: '1', page_size: '10' });
    expect(list.body).toMatchObject({ total: 2, page: 1, page_size: 10, total_pages: 1 });
    expect((await t.call('POST', '/user/delete', MASTER, { user_ids: ['u1'] })).status).toBe(200);
    expect((await t.call('GET', '/key/info', u.key)).status).toBe(401);
    expect((await t.call('GET', '/user/info', MASTER, undefined, { user_id: 'u1' })).status).toBe(404);
  });

  it('creates organizations with a budget row, lists (GET and POST), updates, adds members, deletes', async () => {
    t = await testEngine(kind);
    const org = await t.call('POST', '/organization/new', MASTER, { organization_alias: 'Org 1', models: ['azure-models'], max_budget: 20, tpm_limit: 1000 });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ organization_alias: 'Org 1', models: ['azure-models'], spend: 0, litellm_budget_table: { max_budget: 20, tpm_limit: 1000 } });
    expect((await t.call('POST', '/organization/new', MASTER, { models: [] })).status).toBe(422);
    const id = org.body.organization_id;
    expect((await t.call('GET', '/organization/list', MASTER)).body).toHaveLength(1);
    expect((await t.call('POST', '/organization/list', MASTER)).body).toHaveLength(1);
    const upd = await t.call('PATCH', '/organization/update', MASTER, { organization_id: id, max_budget: 30, organization_alias: 'Org 2' });
    expect(upd.body).toMatchObject({ organization_alias: 'Org 2', litellm_budget_table: { max_budget: 30, tpm_limit: 1000 } });
    const add = await t.call('POST', '/organization/member_add', MASTER, { organization_id: id, member: [{ role: 'org_admin', user_id: 'boss' }] });
    expect(add.body.updated_organization_memberships[0]).toMatchObject({ organization_id: id, user_id: 'boss', user_role: 'org_admin' });
    const team = (await t.call('POST', '/team/new', MASTER, { organization_id: id })).body;
    const info = await t.call('GET', '/organization/info', MASTER, undefined, { organization_id: id });
    expect(info.body.members).toHaveLength(1);
    expect(info.body.teams.map((x: { team_id: string }) => x.team_id)).toEqual([team.team_id]);
    expect((await t.call('POST', '/team/new', MASTER, { organization_id: 'nope' })).status).toBe(400);
    expect((await t.call('DELETE', '/organization/delete', MASTER, { organization_ids: [id] })).status).toBe(200);
    expect((await t.call('GET', '/organization/info', MASTER, undefined, { organization_id: id })).status).toBe(404);
  });

  it('manages customers under /customer and /end_user, with budgets in budget rows', async () => {
    t = await testEngine(kind);
    const budget = await t.call('POST', '/budget/new', MASTER, { budget_id: 'free-tier', tpm_limit: 2 });
    expect(budget.body).toMatchObject({ budget_id: 'free-tier', tpm_limit: 2 });
    const a = await t.call('POST', '/end_user/new', MASTER, { user_id: 'e1', budget_id: 'free-tier', allowed_model_region: 'eu' });
    expect(a.body).toMatchObject({ user_id: 'e1', budget_id: 'free-tier', blocked: false, allowed_model_region: 'eu', spend: 0, litellm_budget_table: { tpm_limit: 2 } });
    const b = await t.call('POST', '/customer/new', MASTER, { user_id: 'e2', max_budget: 5, alias: 'acme' });
    expect(b.body).toMatchObject({ alias: 'acme', litellm_budget_table: { max_budget: 5 } });
    expect((await t.call('POST', '/customer/new', MASTER, { user_id: 'e3', max_budget: 1, budget_id: 'free-tier' })).status).toBe(422);
    expect((await t.call('POST', '/customer/new', MASTER, { user_id: 'e1' })).status).toBe(400);
    expect((await t.call('GET', '/customer/info', MASTER, undefined, { end_user_id: 'e2' })).body.alias).toBe('acme');
    expect((await t.call('GET', '/end_user/info', MASTER, undefined, { end_user_id: 'zz' })).body.error.message).toBe('End User Id=zz does not exist in db');
    const upd = await t.call('POST', '/customer/update', MASTER, { user_id: 'e2', max_budget: 9, blocked: true });
    expect(upd.body).toMatchObject({ blocked: true, litellm_budget_table: { max_budget: 9 } });
    expect((await t.call('GET', '/customer/list', MASTER)).body).toHaveLength(2);
    expect((await t.call('POST', '/customer/unblock', MASTER, { user_ids: ['e2'] })).body).toEqual({ unblocked_users: ['e2'] });
    expect((await t.call('POST', '/customer/delete', MASTER, { user_ids: ['e1', 'e2'] })).body).toEqual({ deleted_customers: ['e1', 'e2'] });
    expect((await t.call('GET', '/budget/list', MASTER)).body.map((x: { budget_id: string }) => x.budget_id)).toContain('free-tier');
    expect((await t.call('POST', '/budget/update', MASTER, { budget_id: 'free-tier', rpm_limit: 3 })).body).toMatchObject({ rpm_limit: 3, tpm_limit: 2 });
    expect((await t.call('POST', '/budget/info', MASTER, { budgets: ['free-tier'] })).body).toHaveLength(1);
    expect((await t.call('POST', '/budget/delete', MASTER, { id: 'free-tier' })).status).toBe(200);
  });

  it('records spend per request and answers /spend/logs, /spend/keys, /spend/users and /global/spend/report', async () => {
    t = await testEngine(kind);
    const team = (await t.call('POST', '/team/new', MASTER, {})).body;
    const k = await newKey(t, { team_id: team.team_id });
    const p = await t.engine.authenticate(k.key);
    const adm = await t.engine.admit(p, { model: 'gpt-4o', endUser: 'cust-1' });
    const start = Date.now();
    await t.engine.account(p, adm, { requestId: 'req-1', modelGroup: 'gpt-4o', model: 'openai/gpt-4o', provider: 'openai', promptTokens: 10, completionTokens: 5, cachedTokens: 2, reasoningTokens: 1, cost: 0.25, startTime: start, endTime: start + 120, firstTokenTime: start + 40, status: 'success', endUser: 'cust-1' });
    const logs = await t.call('GET', '/spend/logs', MASTER, undefined, { request_id: 'req-1' });
    expect(logs.body).toHaveLength(1);
    expect(logs.body[0]).toMatchObject({
      request_id: 'req-1', api_key: k.token_id, spend: 0.25, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cached_tokens: 2, reasoning_tokens: 1,
      model_group: 'gpt-4o', custom_llm_provider: 'openai', team_id: team.team_id, end_user: 'cust-1', request_duration_ms: 120, status: 'success',
      metadata: { user_api_key_team_id: team.team_id },
    });
    expect((await t.call('GET', '/spend/logs', MASTER, undefined, { api_key: k.key })).body).toHaveLength(1);
    const keys = await t.call('GET', '/spend/keys', MASTER);
    expect(keys.body[0]).toMatchObject({ token: k.token_id, spend: 0.25 });
    const users = await t.call('GET', '/spend/users', MASTER, undefined, { user_id: 'litellm-proxy-budget' });
    expect(users.body[0].spend).toBeCloseTo(0.25);
    const day = new Date(start).toISOString().slice(0, 10);
    const report = await t.call('GET', '/global/spend/report', MASTER, undefined, { start_date: day, end_date: day, group_by: 'team' });
    expect(report.body).toEqual([{ group_by_day: `${day}T00:00:00+00:00`, teams: [{ team_name: team.team_id, total_spend: 0.25, metadata: [{ model: 'gpt-4o', spend: 0.25, total_tokens: 15 }] }] }]);
    const byKey = await t.call('GET', '/global/spend/report', MASTER, undefined, { start_date: day, end_date: day, group_by: 'api_key' });
    expect(byKey.body[0]).toMatchObject({ api_key: k.token_id, total_cost: 0.25, total_input_tokens: 10, total_output_tokens: 5 });
    expect((await t.call('GET', '/customer/info', MASTER, undefined, { end_user_id: 'cust-1' })).body.spend).toBeCloseTo(0.25);
  });

  it('stores models in the database, lists them with the config ones without secrets, filtered by key access', async () => {
    const changes: number[] = [];
    t = await testEngine(kind, { configModels: () => [{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_key: 'sk-secret-upstream' }, model_info: { id: 'cfg-1' } }] });
    t.engine.onModelsChanged((m) => changes.push(m.length));
    const add = await t.call('POST', '/model/new', MASTER, { model_name: 'azure-gpt-3.5', litellm_params: { model: 'openai/gpt-4.1-nano', api_key: 'os.environ/OPENAI_API_KEY' }, model_info: { id: '123' } });
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({ model_id: '123', model_name: 'azure-gpt-3.5', litellm_params: { model: 'openai/gpt-4.1-nano' } });
    expect(add.body.litellm_params.api_key).toBeUndefined();
    expect(changes).toEqual([1]);
    const all = await t.call('GET', '/model/info', MASTER);
    expect(all.body.data.map((m: { model_name: string }) => m.model_name)).toEqual(['gpt-4', 'azure-gpt-3.5']);
    expect(JSON.stringify(all.body)).not.toContain('sk-secret-upstream');
    const k = await newKey(t, { models: ['gpt-4'] });
    const mine = await t.call('GET', '/v1/model/info', k.key);
    expect(mine.body.data.map((m: { model_name: string }) => m.model_name)).toEqual(['gpt-4']);
    const one = await t.call('GET', '/model/info', k.key, undefined, { litellm_model_id: 'cfg-1' });
    expect(one.body.data[0]).toEqual(mine.body.data[0]);
    expect((await t.call('POST', '/model/update', MASTER, { model_info: { id: '123' }, litellm_params: { api_base: 'http://127.0.0.1:9' } })).body.litellm_params).toMatchObject({ model: 'openai/gpt-4.1-nano', api_base: 'http://127.0.0.1:9' });
    expect((await t.call('POST', '/model/delete', MASTER, { id: '123' })).body).toEqual({ message: 'Model: 123 deleted successfully' });
    expect((await t.call('POST', '/model/delete', MASTER, { id: '123' })).status).toBe(400);
    expect(changes).toEqual([1, 1, 0]);
    expect((await t.call('POST', '/model/new', k.key, { model_name: 'x', litellm_params: { model: 'y' } })).status).toBe(401);
  });
});
