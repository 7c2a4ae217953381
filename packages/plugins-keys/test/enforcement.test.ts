import { afterEach, describe, expect, it } from 'vitest';
import { MemorySharedState } from '@tollgate/core';
import { KeysEngine } from '../src/index.js';
import { MASTER, newKey, testEngine, type TestEngine } from './helpers.js';

const done = { requestId: 'r', modelGroup: 'gpt-4', status: 'success' as const, startTime: Date.now(), endTime: Date.now() };

async function spend(t: TestEngine, key: string, cost: number, extra: { endUser?: string; tokens?: number } = {}) {
  const p = await t.engine.authenticate(key);
  const adm = await t.engine.admit(p, { model: 'gpt-4', endUser: extra.endUser ?? null });
  await t.engine.account(p, adm, { ...done, requestId: `r-${Math.random()}`, cost, promptTokens: extra.tokens ?? 0, endUser: extra.endUser ?? null });
}

describe('enforcement', () => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  it('refuses a model outside the key list with 403 naming it, in LiteLLM words', async () => {
    t = await testEngine();
    const k = await newKey(t, { models: ['gpt-4'] });
    const p = await t.engine.authenticate(k.key);
    await expect(t.engine.admit(p, { model: 'gpt-3.5-turbo' })).rejects.toMatchObject({
      status: 403,
      toJSON: expect.any(Function),
    });
    const err = await t.engine.admit(p, { model: 'gpt-3.5-turbo' }).catch((e) => e);
    expect(err.toJSON()).toEqual({
      error: { message: "key not allowed to access model. This key can only access models=['gpt-4']. Tried to access gpt-3.5-turbo", type: 'key_model_access_denied', param: 'model', code: '403' },
    });
    await expect(t.engine.admit(p, { model: 'gpt-4' })).resolves.toBeTruthy();
  });

  it('intersects key, team and organization lists; knows all-team-models, all-proxy-models, wildcards and access groups', async () => {
    t = await testEngine('sqlite', { accessGroups: (g) => (g === 'beta' ? ['o3', 'o4-mini'] : undefined) });
    const org = (await t.call('POST', '/organization/new', MASTER, { organization_alias: 'o', models: ['gpt-4', 'o3', 'openai/gpt-4o'] })).body;
    const team = (await t.call('POST', '/team/new', MASTER, { organization_id: org.organization_id, models: ['gpt-4', 'beta', 'openai/*'] })).body;
    const inherit = await t.engine.authenticate((await newKey(t, { team_id: team.team_id, models: ['all-team-models'] })).key);
    await expect(t.engine.admit(inherit, { model: 'o3' })).resolves.toBeTruthy();
    await expect(t.engine.admit(inherit, { model: 'openai/gpt-4o' })).resolves.toBeTruthy();
    expect((await t.engine.admit(inherit, { model: 'claude-3' }).catch((e) => e.toJSON())).error.type).toBe('key_model_access_denied');
    const open = await t.engine.authenticate((await newKey(t, { team_id: team.team_id })).key);
    const teamErr = await t.engine.admit(open, { model: 'claude-3' }).catch((e) => e.toJSON());
    expect(teamErr.error).toMatchObject({ type: 'team_model_access_denied', code: '403', message: `Team not allowed to access model. Team=${team.team_id}, Model=claude-3. Allowed team models = ['gpt-4', 'beta', 'openai/*']` });
    const orgErr = await t.engine.admit(inherit, { model: 'o4-mini' }).catch((e) => e.toJSON());
    expect(orgErr.error).toMatchObject({ type: 'org_model_access_denied', message: "org not allowed to access model. This org can only access models=['gpt-4', 'o3', 'openai/gpt-4o']. Tried to access o4-mini" });
    expect(t.engine.allowedModels(inherit, ['gpt-4', 'o3', 'o4-mini', 'claude-3'])).toEqual(['gpt-4', 'o3']);
    const any = await t.engine.authenticate((await newKey(t, { models: ['all-proxy-models'] })).key);
    await expect(t.engine.admit(any, { model: 'anything' })).resolves.toBeTruthy();
  });

  it("accepts a team's model alias and resolves it to the model it names", async () => {
    t = await testEngine();
    const team = (await t.call('POST', '/team/new', MASTER, { model_aliases: { 'cheap-model': 'gpt-3.5-turbo' } })).body;
    const p = await t.engine.authenticate((await newKey(t, { team_id: team.team_id, models: ['gpt-3.5-turbo'] })).key);
    await expect(t.engine.admit(p, { model: 'cheap-model' })).resolves.toBeTruthy();
    expect(t.engine.resolveModel(p, 'cheap-model')).toBe('gpt-3.5-turbo');
    expect(t.engine.resolveModel(p, 'gpt-4')).toBe('gpt-4');
  });

  it('refuses a key over max_budget with 400 budget_exceeded, from the spend it just recorded', async () => {
    t = await testEngine();
    const k = await newKey(t, { max_budget: 0.0000001 });
    await spend(t, k.key, 0.00001);
    const p = await t.engine.authenticate(k.key);
    const err = await t.engine.admit(p, { model: 'gpt-4' }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.toJSON()).toEqual({ error: { message: 'Budget has been exceeded! Current cost: 1e-05, Max budget: 1e-07', type: 'budget_exceeded', param: null, code: '400' } });
  });

  it('refuses over the budgets of a user (personal key), team, team member, organization and end user, each in its words', async () => {
    t = await testEngine();
    await t.call('POST', '/user/new', MASTER, { user_id: 'u-b', max_budget: 0.5 });
    const personal = await newKey(t, { user_id: 'u-b' });
    await spend(t, personal.key, 1);
    await expect(spend(t, personal.key, 0)).rejects.toMatchObject({ message: 'ExceededBudget: User=u-b over budget. Spend=1.0, Budget=0.5' });

    const team = (await t.call('POST', '/team/new', MASTER, { max_budget: 2 })).body;
    const teamKey = await newKey(t, { team_id: team.team_id });
    await spend(t, teamKey.key, 3);
    await expect(spend(t, teamKey.key, 0)).rejects.toMatchObject({ message: `Budget has been exceeded! Team=${team.team_id} Current cost: 3.0, Max budget: 2.0` });

    const team2 = (await t.call('POST', '/team/new', MASTER, {})).body;
    const member = await t.call('POST', '/user/new', MASTER, { user_id: 'mem', team_id: team2.team_id });
    await t.call('POST', '/team/member_update', MASTER, { team_id: team2.team_id, user_id: 'mem', max_budget_in_team: 0.0000001 });
    await spend(t, member.body.key, 0.001);
    await expect(spend(t, member.body.key, 0)).rejects.toMatchObject({ status: 400, message: `Budget has been exceeded! User=mem in Team=${team2.team_id} Current cost: 0.001, Max budget: 1e-07` });

    const org = (await t.call('POST', '/organization/new', MASTER, { organization_alias: 'o', max_budget: 1 })).body;
    const orgKey = await newKey(t, { organization_id: org.organization_id });
    await spend(t, orgKey.key, 1.5);
    await expect(spend(t, orgKey.key, 0)).rejects.toMatchObject({ message: `Budget has been exceeded! Organization=${org.organization_id} Current cost: 1.5, Max budget: 1.0` });

    await t.call('POST', '/customer/new', MASTER, { user_id: 'cust', max_budget: 0.01 });
    const anyKey = await newKey(t);
    await spend(t, anyKey.key, 0.02, { endUser: 'cust' });
    await expect(spend(t, MASTER, 0, { endUser: 'cust' })).rejects.toMatchObject({ message: 'ExceededBudget: End User=cust over budget. Spend=0.02, Budget=0.01' });
    await expect(spend(t, MASTER, 0, { endUser: 'someone-else' })).resolves.toBeUndefined();
  });

  it('starts a new budget window at budget_reset_at, and the reset job zeroes stored spend and moves the reset time', async () => {
    let now = Date.parse('2030-01-01T00:00:10Z');
    t = await testEngine('sqlite', { now: () => now });
    const k = await newKey(t, { max_budget: 1, budget_duration: '30s' });
    expect(k.body.budget_reset_at).toBe('2030-01-01T00:00:30.000Z');
    await spend(t, k.key, 2);
    await expect(spend(t, k.key, 0)).rejects.toMatchObject({ status: 400 });
    now = Date.parse('2030-01-01T00:00:31Z');
    await expect(spend(t, k.key, 0.5)).resolves.toBeUndefined();
    await t.engine.flush();
    await t.engine.resetBudgets();
    const info = (await t.call('GET', '/key/info', MASTER, undefined, { key: k.key })).body.info;
    expect(info).toMatchObject({ spend: 0, budget_reset_at: '2030-01-01T00:01:00.000Z' });
  });

  it("writes a period's pending spend before the reset zeroes it, so it is not carried into the next period", async () => {
    let now = Date.parse('2030-01-01T00:00:10Z');
    t = await testEngine('sqlite', { now: () => now });
    const k = await newKey(t, { max_budget: 1, budget_duration: '30s' });
    await spend(t, k.key, 2); // still pending: the spend writer's interval is an hour here
    now = Date.parse('2030-01-01T00:00:31Z');
    await t.engine.resetBudgets();
    await t.engine.flush();
    const info = (await t.call('GET', '/key/info', MASTER, undefined, { key: k.key })).body.info;
    expect(info).toMatchObject({ spend: 0, budget_reset_at: '2030-01-01T00:01:00.000Z' });
    // A new period's window seeds from the store, not from the old period's spend.
    now = Date.parse('2030-01-01T00:00:45Z');
    await expect(spend(t, k.key, 0.5)).resolves.toBeUndefined();
  });

  it('two engines sharing one SharedState and one database enforce one budget', async () => {
    const state = new MemorySharedState();
    t = await testEngine('sqlite', { state });
    const other = await KeysEngine.open({ store: t.db.option, masterKey: MASTER, state, spend: { intervalMs: 3_600_000 } });
    try {
      const k = await newKey(t, { max_budget: 1 });
      const pa = await t.engine.authenticate(k.key);
      const pb = await other.authenticate(k.key);
      await t.engine.account(pa, await t.engine.admit(pa, {}), { ...done, cost: 0.6 });
      await other.account(pb, await other.admit(pb, {}), { ...done, requestId: 'r2', cost: 0.6 });
      await expect(t.engine.admit(pa, {})).rejects.toMatchObject({ message: 'Budget has been exceeded! Current cost: 1.2, Max budget: 1.0' });
      await expect(other.admit(pb, {})).rejects.toMatchObject({ status: 400 });
    } finally {
      await other.close();
    }
  });

  it('allows rpm_limit requests a minute, then 429 with retry-after, and sends x-ratelimit headers', async () => {
    t = await testEngine();
    const k = await newKey(t, { rpm_limit: 2, tpm_limit: 100 });
    const p = await t.engine.authenticate(k.key);
    const first = await t.engine.admit(p, {});
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit-requests': '2', 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-limit-tokens': '100', 'x-ratelimit-remaining-tokens': '100' });
    expect(first.headers['x-ratelimit-reset-requests']).toMatch(/^(\d+s|1m0s)$/);
    await t.engine.account(p, first, { ...done, cost: 0, promptTokens: 30 });
    expect((await t.engine.admit(p, {})).headers).toMatchObject({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining-tokens': '70' });
    const err = await t.engine.admit(p, {}).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBeGreaterThan(0);
    expect(err.toJSON().error).toMatchObject({ type: 'rate_limit_error', code: '429' });
    expect(err.message).toMatch(new RegExp(`^Rate limit exceeded for api_key: ${k.token_id}\\. Limit type: requests\\. Current limit: 2, Remaining: 0\\. Limit resets at: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`));
  });

  it('refuses once tpm_limit tokens were used this minute (429)', async () => {
    t = await testEngine();
    const k = await newKey(t, { tpm_limit: 10 });
    await spend(t, k.key, 0, { tokens: 15 });
    await expect(spend(t, k.key, 0)).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Limit type: tokens. Current limit: 10, Remaining: 0') });
  });

  it('holds max_parallel_requests slots until account frees them', async () => {
    t = await testEngine();
    const k = await newKey(t, { max_parallel_requests: 1 });
    const p = await t.engine.authenticate(k.key);
    const a = await t.engine.admit(p, {});
    await expect(t.engine.admit(p, {})).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Limit type: max_parallel_requests') });
    await t.engine.account(p, a, { ...done, cost: 0 });
    await expect(t.engine.admit(p, {})).resolves.toBeTruthy();
  });

  it("limits an end user's tokens through their budget row, even for the master key", async () => {
    t = await testEngine();
    await t.call('POST', '/budget/new', MASTER, { budget_id: 'free-tier', tpm_limit: 2 });
    await t.call('POST', '/end_user/new', MASTER, { user_id: 'eu-1', budget_id: 'free-tier' });
    await spend(t, MASTER, 0, { endUser: 'eu-1', tokens: 5 });
    await expect(spend(t, MASTER, 0, { endUser: 'eu-1' })).rejects.toMatchObject({ status: 429, message: expect.stringContaining('Rate limit exceeded for end_user: eu-1') });
  });

  it('refuses a blocked end user (403)', async () => {
    t = await testEngine();
    await t.call('POST', '/customer/block', MASTER, { user_ids: ['bad'] });
    await expect(spend(t, MASTER, 0, { endUser: 'bad' })).rejects.toMatchObject({ status: 403, message: "End User=bad is blocked. Update via `/customer/unblock` if you're an admin." });
  });
});
