import { afterEach, describe, expect, it } from 'vitest';
import { hashKey } from '../src/index.js';
import { MASTER, STORE_KINDS, newKey, testEngine, type TestEngine } from './helpers.js';

describe.each(STORE_KINDS)('/key/* on %s', (kind) => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  it('generates a key shown once, stored only as its sha256, with LiteLLM fields and defaults', async () => {
    t = await testEngine(kind);
    const res = await t.call('POST', '/key/generate', MASTER, { models: ['gpt-4'], key_alias: 'ci', max_budget: 10, budget_duration: '30d', metadata: { team: 'core' }, duration: null });
    expect(res.status).toBe(200);
    const { key, token_id, key_name } = res.body;
    expect(key).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
    expect(token_id).toBe(hashKey(key));
    expect(key_name).toBe(`sk-...${key.slice(-4)}`);
    expect(res.body).toMatchObject({ models: ['gpt-4'], key_alias: 'ci', max_budget: 10, budget_duration: '30d', metadata: { team: 'core' }, spend: 0, expires: null, blocked: null, user_id: null, team_id: null });
    expect(Date.parse(res.body.budget_reset_at)).toBeGreaterThan(Date.now());
    const stored = JSON.stringify(await t.engine.store.get('keys', token_id));
    expect(stored).not.toContain(key);
  });

  it('answers /key/info to the master key and to the key itself, 403 to another key', async () => {
    t = await testEngine(kind);
    const a = await newKey(t, { models: ['gpt-4'] });
    const b = await newKey(t);
    const asAdmin = await t.call('GET', '/key/info', MASTER, undefined, { key: a.key });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.key).toBe(a.key);
    expect(asAdmin.body.info).toMatchObject({ models: ['gpt-4'], spend: 0 });
    expect(asAdmin.body.info.token).toBeUndefined();
    expect((await t.call('GET', '/key/info', a.key, undefined, { key: a.key })).status).toBe(200);
    const self = await t.call('GET', '/key/info', a.key);
    expect(self.status).toBe(200);
    expect(self.body.info.key_name).toBe(a.body.key_name);
    const other = await t.call('GET', '/key/info', b.key, undefined, { key: a.key });
    expect(other).toEqual({
      status: 403,
      body: { error: { message: "You are not allowed to access this key's info. Your role=internal_user", type: 'auth_error', param: null, code: '403' } },
    });
    expect((await t.call('GET', '/key/info', MASTER, undefined, { key: 'sk-missing' })).body.error).toMatchObject({ message: 'Key not found in database', code: '404' });
  });

  it('refuses admin routes without a key, with an unknown key, and with a non-admin key (401)', async () => {
    t = await testEngine(kind);
    const a = await newKey(t);
    expect(await t.call('POST', '/team/new', null, {})).toEqual({
      status: 401,
      body: { error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: null, code: '401' } },
    });
    const unknown = await t.call('POST', '/team/new', 'sk-nope', {});
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toMatchObject({ type: 'token_not_found_in_db', param: 'key', code: '401' });
    expect(unknown.body.error.message).toContain('Authentication Error, Invalid proxy server token passed. Received API Key = sk-...nope');
    expect(await t.call('POST', '/team/new', a.key, {})).toEqual({
      status: 401,
      body: { error: { message: 'Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/team/new. Your role=internal_user. Your user_id=None', type: 'auth_error', param: null, code: '401' } },
    });
  });

  it('updates only the given fields, by key or by alias, and sets spend', async () => {
    t = await testEngine(kind);
    const a = await newKey(t, { models: ['gpt-4'], key_alias: 'one', max_budget: 5 });
    const res = await t.call('POST', '/key/update', MASTER, { key: a.key, models: ['gpt-3.5-turbo'], spend: 1.5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key: a.key, models: ['gpt-3.5-turbo'], max_budget: 5, key_alias: 'one', spend: 1.5 });
    const byAlias = await t.call('POST', '/key/update', MASTER, { key_alias: 'one', tpm_limit: 100 });
    expect(byAlias.body).toMatchObject({ tpm_limit: 100, models: ['gpt-3.5-turbo'] });
    expect((await t.call('GET', '/key/info', a.key)).body.info).toMatchObject({ spend: 1.5, tpm_limit: 100 });
    expect((await t.call('POST', '/key/update', MASTER, { models: [] })).status).toBe(422);
    expect((await t.call('POST', '/key/update', MASTER, { key: 'sk-unknown', models: [] })).status).toBe(404);
  });

  it('refuses a second key with the same alias (400)', async () => {
    t = await testEngine(kind);
    await newKey(t, { key_alias: 'dup' });
    const res = await t.call('POST', '/key/generate', MASTER, { key_alias: 'dup' });
    expect(res).toEqual({
      status: 400,
      body: { error: { message: "Key with alias 'dup' already exists. Unique key aliases across all keys are required.", type: 'bad_request_error', param: 'key_alias', code: '400' } },
    });
  });

  it('deletes keys by value and by alias, after which they no longer authenticate', async () => {
    t = await testEngine(kind);
    const a = await newKey(t);
    const b = await newKey(t, { key_alias: 'bee' });
    expect((await t.call('GET', '/key/info', a.key)).status).toBe(200);
    const res = await t.call('POST', '/key/delete', MASTER, { keys: [a.key], key_aliases: ['bee'] });
    expect(res).toEqual({ status: 200, body: { deleted_keys: [a.key, 'bee'] } });
    expect((await t.call('GET', '/key/info', a.key)).status).toBe(401);
    expect((await t.call('GET', '/key/info', b.key)).status).toBe(401);
    expect((await t.call('POST', '/key/delete', MASTER, { keys: [a.key] })).status).toBe(404);
    expect((await t.call('POST', '/key/delete', MASTER, {})).status).toBe(422);
  });

  it('lists key hashes with paging, full objects on request, and only their own keys to a user', async () => {
    t = await testEngine(kind);
    const user = await t.call('POST', '/user/new', MASTER, { user_id: 'u1' });
    const own = await newKey(t, { user_id: 'u1' });
    await newKey(t);
    await newKey(t);
    const page1 = await t.call('GET', '/key/list', MASTER, undefined, { page: '1', size: '2' });
    expect(page1.body).toMatchObject({ total_count: 4, current_page: 1, total_pages: 2 });
    expect(page1.body.keys).toHaveLength(2);
    expect(typeof page1.body.keys[0]).toBe('string');
    const full = await t.call('GET', '/key/list', MASTER, undefined, { user_id: 'u1', return_full_object: 'true' });
    expect(full.body.keys.map((k: { token: string }) => k.token).sort()).toEqual([user.body.token_id, own.token_id].sort());
    const mine = await t.call('GET', '/key/list', own.key);
    expect(mine.body.total_count).toBe(2);
  });

  it('regenerates a key (body and path variants): the old one stops, spend and settings carry over', async () => {
    t = await testEngine(kind);
    const a = await newKey(t, { models: ['gpt-4'], key_alias: 'rot' });
    await t.call('POST', '/key/update', MASTER, { key: a.key, spend: 2 });
    const res = await t.call('POST', '/key/regenerate', MASTER, { key: a.key, max_budget: 50 });
    expect(res.status).toBe(200);
    expect(res.body.key).not.toBe(a.key);
    expect(res.body).toMatchObject({ models: ['gpt-4'], key_alias: 'rot', max_budget: 50, spend: 2, token_id: hashKey(res.body.key), rotation_count: 1 });
    expect((await t.call('GET', '/key/info', a.key)).status).toBe(401);
    expect((await t.call('GET', '/key/info', res.body.key)).status).toBe(200);
    const again = await t.call('POST', `/key/${encodeURIComponent(res.body.key)}/regenerate`, MASTER, {});
    expect(again.status).toBe(200);
    expect((await t.call('GET', '/key/info', again.body.key)).body.info).toMatchObject({ spend: 2, rotation_count: 2 });
  });

  it('blocks and unblocks a key; a blocked key is refused at once (401)', async () => {
    t = await testEngine(kind);
    const a = await newKey(t);
    await t.engine.authenticate(a.key);
    const blocked = await t.call('POST', '/key/block', MASTER, { key: a.key });
    expect(blocked.body).toMatchObject({ token: a.token_id, blocked: true });
    await expect(t.engine.authenticate(a.key)).rejects.toMatchObject({
      status: 401,
      message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
    });
    expect((await t.call('POST', '/key/unblock', MASTER, { key: a.token_id })).body.blocked).toBe(false);
    await expect(t.engine.authenticate(a.key)).resolves.toMatchObject({ keyHash: a.token_id });
    expect((await t.call('POST', '/key/block', a.key, { key: a.key })).status).toBe(401);
  });

  it('refuses an expired key with expired_key (401)', async () => {
    let now = Date.now();
    t = await testEngine(kind, { now: () => now });
    const a = await newKey(t, { duration: '30s' });
    await expect(t.engine.authenticate(a.key)).resolves.toBeTruthy();
    now += 31_000;
    await expect(t.engine.authenticate(a.key)).rejects.toMatchObject({ status: 401, type: 'expired_key', code: '401' });
    expect(await t.engine.verify(a.key)).toBeNull();
  });

  it('lets a team member read a team key but not create, update, delete or regenerate one (team_member_permission_error)', async () => {
    t = await testEngine(kind);
    const team = (await t.call('POST', '/team/new', MASTER, {})).body;
    const teamKey = await newKey(t, { team_id: team.team_id });
    await t.call('POST', '/user/new', MASTER, { user_id: 'member-1', team_id: team.team_id });
    const userKey = await newKey(t, { user_id: 'member-1' });
    for (const [path, body] of [
      ['/key/generate', { team_id: team.team_id }],
      ['/key/update', { key: teamKey.key, team_id: 'ATTACKER_TEAM_ID' }],
      ['/key/delete', { keys: [teamKey.key] }],
      ['/key/regenerate', { key: teamKey.key }],
    ] as const) {
      const res = await t.call('POST', path, userKey.key, body);
      expect(res.status, path).toBe(401);
      expect(res.body.error.type, path).toBe('team_member_permission_error');
    }
    expect((await t.call('GET', '/key/info', userKey.key, undefined, { key: teamKey.key })).status).toBe(200);
  });

  it('lets members do what team_member_permissions grants', async () => {
    t = await testEngine(kind);
    const team = (await t.call('POST', '/team/new', MASTER, { team_member_permissions: ['/key/update', '/key/delete', '/key/info'] })).body;
    await t.call('POST', '/user/new', MASTER, { user_id: 'member-2', team_id: team.team_id });
    const teamKey = await newKey(t, { team_id: team.team_id });
    const userKey = await newKey(t, { user_id: 'member-2' });
    expect((await t.call('POST', '/key/update', userKey.key, { key: teamKey.key, team_id: team.team_id, metadata: { updated: true } })).status).toBe(200);
    expect((await t.call('POST', '/key/generate', userKey.key, { team_id: team.team_id })).status).toBe(401);
    expect((await t.call('POST', '/key/regenerate', userKey.key, { key: teamKey.key })).status).toBe(401);
    expect((await t.call('POST', '/key/delete', userKey.key, { keys: [teamKey.key] })).status).toBe(200);
  });

  it('lets a user create a key for themselves but not for someone else', async () => {
    t = await testEngine(kind);
    await t.call('POST', '/user/new', MASTER, { user_id: 'self' });
    const k = await newKey(t, { user_id: 'self' });
    const own = await t.call('POST', '/key/generate', k.key, {});
    expect(own.status).toBe(200);
    expect(own.body.user_id).toBe('self');
    expect((await t.call('POST', '/key/generate', k.key, { user_id: 'other' })).status).toBe(401);
  });

  it("does not let a user raise their own key's budget or limits", async () => {
    t = await testEngine(kind);
    await t.call('POST', '/user/new', MASTER, { user_id: 'thrifty' });
    const k = await newKey(t, { user_id: 'thrifty', max_budget: 1 });
    expect((await t.call('POST', '/key/update', k.key, { key: k.key, metadata: { note: 'mine' } })).status).toBe(200);
    const res = await t.call('POST', '/key/update', k.key, { key: k.key, max_budget: 1000 });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('Only proxy admin');
    expect((await t.call('POST', '/key/generate', k.key, { spend: -5 })).status).toBe(401);
  });
});
