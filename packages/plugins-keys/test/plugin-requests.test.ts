import { afterEach, describe, expect, it } from 'vitest';
import { pyFloat } from '../src/pyfmt.js';
import { STORE_KINDS } from './helpers.js';
import { IN, MASTER, OUT, keysServer, spendLogs, type KeysServer } from './server.js';

describe.each(STORE_KINDS)('requests through the reference server (%s)', (kind) => {
  let s: KeysServer;
  afterEach(async () => s?.close());

  it('serves a key its models only: 403 naming another model in LiteLLM words, and /v1/models lists only its own', async () => {
    s = await keysServer(kind);
    const key = await s.key({ models: ['gpt-4'] });
    const ok = await s.chat(key);
    expect(ok.status).toBe(200);
    expect(ok.body.choices[0].message.content).toBe('Hello from gpt-4');
    const refused = await s.chat(key, { model: 'gpt-3.5-turbo' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: { message: "key not allowed to access model. This key can only access models=['gpt-4']. Tried to access gpt-3.5-turbo", type: 'key_model_access_denied', param: 'model', code: '403' } });
    expect((await s.call('GET', '/v1/models', key)).body.data.map((m: { id: string }) => m.id)).toEqual(['gpt-4']);
    expect((await s.call('GET', '/v1/models', MASTER)).body.data.map((m: { id: string }) => m.id)).toEqual(['gpt-4', 'gpt-3.5-turbo', 'slow']);
  });

  it("lists and serves a team's models to a key that inherits them, and answers a team model alias with the group it names", async () => {
    s = await keysServer(kind);
    const team = (await s.call('POST', '/team/new', MASTER, { models: ['gpt-3.5-turbo'], model_aliases: { 'cheap-model': 'gpt-3.5-turbo' } })).body;
    const key = await s.key({ team_id: team.team_id, models: ['all-team-models'] });
    expect((await s.call('GET', '/v1/models', key)).body.data.map((m: { id: string }) => m.id)).toEqual(['gpt-3.5-turbo']);
    const aliased = await s.chat(key, { model: 'cheap-model' });
    expect(aliased.status).toBe(200);
    expect(aliased.body.choices[0].message.content).toBe('Hello from 3.5');
    const refused = await s.chat(key, { model: 'gpt-4' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.type).toBe('key_model_access_denied');
  });

  it('answers 401 with LiteLLM bodies for an unknown, blocked or expired key and a blocked team, without reading the body', async () => {
    s = await keysServer(kind);
    const unknown = 'sk-unknown-0000000000000000000000000000000000';
    const r1 = await s.call('POST', '/v1/chat/completions', unknown, 'not json at all');
    expect(r1.status).toBe(401);
    expect(r1.body.error).toMatchObject({ type: 'token_not_found_in_db', param: 'key', code: '401' });
    expect(r1.body.error.message).toMatch(/^Authentication Error, Invalid proxy server token passed\. Received API Key = sk-\.\.\.0000, Key Hash \(Token\) =[0-9a-f]{64}\. Unable to find token in cache or `LiteLLM_VerificationTokenTable`$/);
    expect((await s.call('POST', '/v1/chat/completions', 'not-a-virtual-key', {})).body).toEqual({
      error: { message: "Authentication Error, LiteLLM Virtual Key expected. Received=sk-...-key, expected to start with 'sk-'.", type: 'auth_error', param: null, code: '401' },
    });

    const blocked = await s.key();
    expect((await s.call('POST', '/key/block', MASTER, { key: blocked })).status).toBe(200);
    expect(await s.chat(blocked)).toMatchObject({ status: 401, body: { error: { message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.", type: 'auth_error', param: null, code: '401' } } });

    const team = (await s.call('POST', '/team/new', MASTER, {})).body;
    const teamKey = await s.key({ team_id: team.team_id });
    expect((await s.chat(teamKey)).status).toBe(200);
    await s.call('POST', '/team/block', MASTER, { team_id: team.team_id });
    expect((await s.chat(teamKey)).body).toEqual({ error: { message: `Authentication Error, Team=${team.team_id} is blocked. Update via \`/team/unblock\` if your admin.`, type: 'auth_error', param: null, code: '401' } });

    const expiring = await s.key({ duration: '1s' });
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await s.chat(expiring);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatchObject({ type: 'expired_key', param: 'key', code: '401' });
    expect(expired.body.error.message).toMatch(/^Authentication Error - Expired Key\. Key Expiry time \S+ and current time \S+$/);
  });

  it("refuses an ordinary key on an admin route before reading the body, and lets it read its own key's info", async () => {
    s = await keysServer(kind);
    const key = await s.key();
    const r = await s.call('POST', '/user/new', key, {});
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: { message: 'This route needs the master key or an admin key.', type: 'permission_denied', param: null, code: 'admin_only' } });
    const info = await s.call('GET', '/key/info', key);
    expect(info.status).toBe(200);
    expect(info.body.info.spend).toBe(0);
  });

  it('refuses a cache control the key may not set, in LiteLLM words', async () => {
    s = await keysServer(kind);
    const key = await s.key({ allowed_cache_controls: ['no-cache'] });
    expect((await s.chat(key, { cache: { 'no-cache': true } })).status).toBe(200);
    expect((await s.chat(key, { cache: { ttl: 60 } })).body).toEqual({ error: { message: 'Not allowed to set ttl as a cache control. Contact admin to change permissions.', type: 'auth_error', param: null, code: '403' } });
  });

  it('refuses past max_budget with 400 budget_exceeded, counting the cost of the requests before', async () => {
    s = await keysServer(kind);
    const key = await s.key({ max_budget: 0.000001 });
    const first = await s.chat(key);
    expect(first.status).toBe(200);
    const cost = first.body.usage.prompt_tokens * IN + first.body.usage.completion_tokens * OUT;
    const second = await s.chat(key);
    expect(second.status).toBe(400);
    expect(second.body).toEqual({ error: { message: `Budget has been exceeded! Current cost: ${pyFloat(cost)}, Max budget: 1e-06`, type: 'budget_exceeded', param: null, code: '400' } });
  });

  it('serves a key again once its budget_duration has passed and the reset job zeroed its spend', async () => {
    s = await keysServer(kind, { options: { budget_reset_interval_ms: 100 } });
    const key = await s.key({ max_budget: 0.000001, budget_duration: '2s' });
    const resetAt = (await s.call('GET', `/key/info?key=${key}`, MASTER)).body.info.budget_reset_at;
    expect((await s.chat(key)).status).toBe(200);
    expect((await s.chat(key)).status).toBe(400);
    let again = await s.chat(key);
    for (let i = 0; i < 100 && again.status === 400; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await s.chat(key);
    }
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    // The reset job moved the key's reset time on (it runs every 100 ms here).
    let info = (await s.call('GET', `/key/info?key=${key}`, MASTER)).body.info;
    for (let i = 0; i < 100 && info.budget_reset_at === resetAt; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = (await s.call('GET', `/key/info?key=${key}`, MASTER)).body.info;
    }
    expect(Date.parse(info.budget_reset_at)).toBeGreaterThan(Date.parse(resetAt));
  });

  it("refuses an end user (the request's user) past its budget, and a team past the team's", async () => {
    s = await keysServer(kind);
    await s.call('POST', '/customer/new', MASTER, { user_id: 'customer-1', max_budget: 0.000001 });
    const key = await s.key();
    expect((await s.chat(key, { user: 'customer-1' })).status).toBe(200);
    const refused = await s.chat(key, { user: 'customer-1' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'budget_exceeded', code: '400' });
    expect(refused.body.error.message).toMatch(/^ExceededBudget: End User=customer-1 over budget\. Spend=[0-9.e-]+, Budget=1e-06$/);
    expect((await s.chat(key, { user: 'customer-2' })).status).toBe(200);

    const team = (await s.call('POST', '/team/new', MASTER, { max_budget: 0.000001 })).body;
    const teamKey = await s.key({ team_id: team.team_id });
    expect((await s.chat(teamKey)).status).toBe(200);
    const overTeam = await s.chat(teamKey);
    expect(overTeam.body.error.message).toMatch(new RegExp(`^Budget has been exceeded! Team=${team.team_id} Current cost: [0-9.e-]+, Max budget: 1e-06$`));
  });

  it("refuses every request once the whole proxy is past LiteLLM's max_budget", async () => {
    s = await keysServer(kind, { litellm: { max_budget: 0.000001, budget_duration: '30d' } });
    const a = await s.key();
    const b = await s.key();
    expect((await s.chat(a)).status).toBe(200);
    const refused = await s.chat(b);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^Budget has been exceeded! Current cost: [0-9.e-]+, Max budget: 1e-06$/);
  });

  it('limits requests per minute with 429, retry-after and x-ratelimit-* headers on every answer', async () => {
    s = await keysServer(kind);
    const key = await s.key({ rpm_limit: 2 });
    const first = await s.chat(key);
    expect([first.headers.get('x-ratelimit-limit-requests'), first.headers.get('x-ratelimit-remaining-requests')]).toEqual(['2', '1']);
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s|m\d+s)$/);
    expect((await s.chat(key)).headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const refused = await s.chat(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', param: null, code: '429' });
    expect(refused.body.error.message).toMatch(/^Rate limit exceeded for api_key: [0-9a-f]{64}\. Limit type: requests\. Current limit: 2, Remaining: 0\. Limit resets at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  it('limits tokens per minute from the usage of answered requests', async () => {
    s = await keysServer(kind);
    const key = await s.key({ tpm_limit: 5 });
    const first = await s.chat(key);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('5');
    await new Promise((r) => setTimeout(r, 50));
    const refused = await s.chat(key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain('Limit type: tokens. Current limit: 5, Remaining: 0.');
  });

  it('holds max_parallel_requests while a stream runs and frees the slot when it ends or is cut', async () => {
    s = await keysServer(kind);
    const key = await s.key({ max_parallel_requests: 1 });
    const controller = new AbortController();
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'go' }] }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const busy = await s.chat(key);
    expect(busy.status).toBe(429);
    expect(busy.body.error.message).toContain('Limit type: max_parallel_requests. Current limit: 1, Remaining: 0.');
    controller.abort();
    let after = await s.chat(key);
    for (let i = 0; i < 50 && after.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await s.chat(key);
    }
    expect(after.status).toBe(200);
  });

  it('records a streamed and a cut stream in the spend logs, priced from their tokens', async () => {
    s = await keysServer(kind);
    const key = await s.key();
    const streamed = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'req-streamed' },
      body: JSON.stringify({ model: 'gpt-4', stream: true, messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    expect(await streamed.text()).toContain('[DONE]');

    const controller = new AbortController();
    const cut = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'req-cut' },
      body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'go' }] }),
      signal: controller.signal,
    });
    // Cut after a few content events have gone out (and were billed upstream).
    const reader = cut.body!.getReader();
    let seen = '';
    while ((seen.match(/"content":"/g) ?? []).length < 3) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();

    let rows: any[] = [];
    for (let i = 0; i < 100 && rows.length < 2; i++) {
      rows = (await spendLogs(s)).filter((r) => r.request_id === 'req-streamed' || r.request_id === 'req-cut');
      if (rows.length < 2) await new Promise((r) => setTimeout(r, 20));
    }
    const byId = Object.fromEntries(rows.map((r) => [r.request_id, r]));
    const st = byId['req-streamed'];
    expect(st).toMatchObject({ status: 'success', model_group: 'gpt-4', model: 'mock/gpt-4', custom_llm_provider: 'mock', call_type: 'acompletion' });
    expect(st.prompt_tokens).toBeGreaterThan(0);
    expect(st.completion_tokens).toBeGreaterThan(0);
    expect(st.spend).toBeCloseTo(st.prompt_tokens * IN + st.completion_tokens * OUT, 15);
    expect(st.completionStartTime).not.toBeNull();
    const c = byId['req-cut'];
    expect(c).toMatchObject({ status: 'failure', model_group: 'slow' });
    expect(c.completion_tokens).toBeGreaterThan(0);
    expect(c.spend).toBeGreaterThan(0);
    expect((await s.call('GET', '/key/info', key)).body.info.spend).toBeCloseTo(st.spend + c.spend, 15);
  });
});
