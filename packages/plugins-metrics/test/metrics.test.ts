import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { makeCaller, RateLimitError, STAGE_DEFAULT, STAGE_LIMITS, type Plugin } from '@tollgate/core';
import metrics from '@tollgate/plugin-metrics';
import { startServer, withOptions, type Running } from './helpers.js';
import { find, parseProm, total, type Parsed } from './prom.js';

const MASTER = 'sk-master-metrics-0001';
const VIRTUAL = 'sk-virtual-key-team-a-0001';
const USAGE = { prompt_tokens: 10, completion_tokens: 5 };

/** Stand-ins for the keys, cost and cache plugins, through the same hooks they use. */
const fakes: Plugin = {
  name: 'fakes',
  apply(g) {
    const keyCaller = makeCaller({ kind: 'key', keyId: 'key-id-1', keyAlias: 'team-a-key', teamId: 'team-a', limits: { rpm: null, tpm: null, maxParallel: null, maxBudget: 10, spend: 2.5, budgetDuration: null } });
    g.hooks.authenticate.tap('fakes', (auth) => (auth.key === VIRTUAL ? keyCaller : undefined));
    g.hooks.preRoute.tap({ name: 'fakes', stage: STAGE_LIMITS, marksChanges: true }, (req: any) => {
      const text = req.messages?.at(-1)?.content;
      if (text === 'over the limit') return { reject: new RateLimitError('Key over its rpm limit.'), reason: 'limit' };
      if (text === 'cached?') return { respond: { id: 'c', object: 'chat.completion', created: 1, model: req.model, choices: [{ index: 0, message: { role: 'assistant', content: 'from cache' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } }, reason: 'cache_hit' };
      return undefined;
    });
    // A fallback decided by a plugin: 'flaky' fails over to the 'chat' group.
    g.hooks.attemptFailed.tap('fakes', (_e, ctx) => (ctx.modelGroup?.name === 'flaky' ? { action: 'fallback', plan: [...g.group('chat')!.deployments] } : undefined));
    // A cost plugin prices in its own account tap, before STAGE_LAST, synchronously.
    g.hooks.account.tap({ name: 'fakes-cost', stage: STAGE_DEFAULT }, (ctx) => { if (ctx.usage) ctx.cost = ctx.usage.total_tokens * 0.001; });
  },
};

let tg: Running;
beforeAll(async () => {
  tg = await startServer({
    model_list: [
      { model_name: 'chat', params: { model: 'mock/chat-model', mock_usage: USAGE }, model_info: { id: 'chat-a' } },
      { model_name: 'broken', params: { model: 'mock/broken', mock_fault: { status: 500 } }, model_info: { id: 'broken-a' } },
      { model_name: 'flaky', params: { model: 'mock/flaky', mock_fault: { status: 503 } }, model_info: { id: 'flaky-a' } },
      { model_name: 'two', params: { model: 'mock/two-a', mock_fault: { status: 429 }, order: 1 }, model_info: { id: 'two-a' } },
      { model_name: 'two', params: { model: 'mock/two-b', mock_usage: USAGE, order: 2 }, model_info: { id: 'two-b' } },
      { model_name: 'mock/*', params: { model: 'mock/*' } },
    ],
    router: { model_group_alias: { 'chat-alias': 'chat' } },
    settings: { master_key: MASTER },
  }, [fakes, metrics]);
});
afterAll(async () => { await tg.close(); });

async function chat(model: string, content: string, extra: Record<string, unknown> = {}, key = VIRTUAL) {
  const res = await request(`${tg.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra }),
  });
  await res.body.text();
  return res.statusCode;
}

async function scrape(key?: string): Promise<{ status: number; type: string; text: string }> {
  const res = await request(`${tg.url}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
}

/** Scrape until every request sent so far has been accounted (account runs just after the answer). */
async function scrapeAfter(requests: number): Promise<Parsed> {
  for (let i = 0; ; i++) {
    const p = parseProm((await scrape(MASTER)).text);
    if (total(p, 'tollgate_requests_total') >= requests || i === 50) return p;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /metrics after a known sequence of requests', () => {
  let p: Parsed;
  const unknownModel = `no-such-model-${Math.random().toString(36).slice(2)}`;
  beforeAll(async () => {
    expect(await chat('chat', 'hello')).toBe(200);
    expect(await chat('chat', 'hello again')).toBe(200);
    expect(await chat('chat', 'stream me', { stream: true, stream_options: { include_usage: true } })).toBe(200);
    expect(await chat('broken', 'fail')).toBe(500);
    expect(await chat('flaky', 'fall back')).toBe(200);
    expect(await chat('two', 'next deployment')).toBe(200);
    expect(await chat('chat', 'cached?')).toBe(200);
    expect(await chat('chat', 'over the limit')).toBe(429);
    expect(await chat('chat-alias', 'over the limit')).toBe(429);
    expect(await chat(unknownModel, 'who?')).toBe(404);
    expect(await chat('mock/some-client-chosen-name', 'wildcard', {}, MASTER)).toBe(200);
    p = await scrapeAfter(11);
    expect(total(p, 'tollgate_requests_total')).toBe(11);
  });

  it('counts requests by model group, deployment, provider, key, status class and outcome', () => {
    const key = { key: 'team-a-key' };
    expect(total(p, 'tollgate_requests_total', { model_group: 'chat', deployment: 'chat-a', provider: 'mock', ...key, status_class: '2xx', outcome: 'ok' })).toBe(3);
    expect(total(p, 'tollgate_requests_total', { model_group: 'broken', deployment: 'broken-a', status_class: '5xx', outcome: 'error' })).toBe(1);
    expect(total(p, 'tollgate_requests_total', { model_group: 'flaky', deployment: 'chat-a', outcome: 'ok' })).toBe(1);
    expect(total(p, 'tollgate_requests_total', { model_group: 'two', deployment: 'two-b', outcome: 'ok' })).toBe(1);
    expect(total(p, 'tollgate_requests_total', { model_group: 'chat', deployment: '', outcome: 'cache_hit' })).toBe(1);
    // Refused before routing, through an alias too: labelled with the group the alias names.
    expect(total(p, 'tollgate_requests_total', { model_group: 'chat', status_class: '4xx', outcome: 'rejected' })).toBe(2);
    expect(total(p, 'tollgate_request_failures_total', { model_group: 'broken', status_code: '500', error_kind: 'server' })).toBe(1);
    expect(total(p, 'tollgate_request_failures_total', { model_group: 'chat', status_code: '429', error_kind: 'rate_limit' })).toBe(2);
    expect(total(p, 'tollgate_rate_limit_rejections_total', { model_group: 'chat', ...key, reason: 'limit' })).toBe(2);
    expect(total(p, 'tollgate_cache_hits_total', { model_group: 'chat', ...key })).toBe(1);
    expect(total(p, 'tollgate_fallbacks_total', { model_group: 'flaky', fallback_group: 'chat', result: 'success' })).toBe(1);
  });

  it('counts every attempt per deployment, retries and fallbacks included', () => {
    expect(total(p, 'tollgate_deployment_attempts_total', { deployment: 'two-a', status_class: '4xx', error_kind: 'rate_limit' })).toBe(1);
    expect(total(p, 'tollgate_deployment_attempts_total', { deployment: 'two-b', status_class: '2xx', error_kind: '' })).toBe(1);
    expect(total(p, 'tollgate_deployment_attempts_total', { deployment: 'flaky-a', error_kind: 'overloaded' })).toBe(1);
    expect(total(p, 'tollgate_deployment_attempts_total', { deployment: 'chat-a' })).toBe(4);
  });

  it('sums tokens and spend (priced by an earlier account tap)', () => {
    // chat-a answered 3 chat requests and the fallback: 4 x (10 in, 5 out).
    expect(total(p, 'tollgate_tokens_total', { deployment: 'chat-a', direction: 'input' })).toBe(40);
    expect(total(p, 'tollgate_tokens_total', { deployment: 'chat-a', direction: 'output' })).toBe(20);
    expect(total(p, 'tollgate_spend_usd_total', { model_group: 'chat', deployment: 'chat-a' })).toBeCloseTo(0.045, 10);
    expect(find(p, 'tollgate_key_budget_max_usd', { key: 'team-a-key' })[0].value).toBe(10);
    // As of the key's last request (the 404, unpriced): max - spend at authentication.
    expect(find(p, 'tollgate_key_budget_remaining_usd', { key: 'team-a-key' })[0].value).toBe(7.5);
  });

  it('observes latency, upstream time, time to first token (streams) and overhead as histograms', () => {
    const chatA = { model_group: 'chat', deployment: 'chat-a' };
    expect(total(p, 'tollgate_request_duration_seconds_count', chatA)).toBe(3);
    expect(total(p, 'tollgate_upstream_duration_seconds_count', chatA)).toBe(3);
    expect(total(p, 'tollgate_time_to_first_token_seconds_count', chatA)).toBe(1);
    expect(total(p, 'tollgate_overhead_seconds_count', chatA)).toBe(3);
    expect(total(p, 'tollgate_overhead_seconds_bucket', { ...chatA, le: '+Inf' })).toBe(3);
    const buckets = find(p, 'tollgate_overhead_seconds_bucket', chatA).map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(p.types.get('tollgate_overhead_seconds')).toBe('histogram');
  });

  it('shows deployment state (an outage marks a deployment failing; a client error does not) and in-flight figures', () => {
    const state = (id: string) => find(p, 'tollgate_deployment_state', { deployment: id })[0]?.value;
    expect(state('chat-a')).toBe(0);
    expect(state('broken-a')).toBe(1);
    expect(state('two-a')).toBe(1);
    expect(find(p, 'tollgate_requests_in_flight')[0].value).toBe(0);
    expect(find(p, 'tollgate_deployment_in_flight', { deployment: 'chat-a' })[0].value).toBe(0);
  });

  it("offers LiteLLM's metric names and labels as aliases", () => {
    const key = { hashed_api_key: expect.stringMatching(/^[0-9a-f]{12}$/) as unknown as string, api_key_alias: 'team-a-key', team: 'team-a' };
    const aliasOf = (name: string, match: Record<string, string>) => find(p, name, match);
    expect(total(p, 'litellm_proxy_total_requests_metric_total', { requested_model: 'chat', status_code: '200', api_key_alias: 'team-a-key' })).toBe(4);
    expect(total(p, 'litellm_proxy_failed_requests_metric_total', { requested_model: 'broken', exception_status: '500', exception_class: 'server' })).toBe(1);
    expect(total(p, 'litellm_requests_metric_total')).toBe(11);
    expect(aliasOf('litellm_spend_metric_total', { model: 'chat-model', model_id: 'chat-a' })[0]).toMatchObject({ labels: key });
    expect(total(p, 'litellm_spend_metric_total')).toBeCloseTo(total(p, 'tollgate_spend_usd_total'), 10);
    expect(total(p, 'litellm_input_tokens_metric_total', { model: 'chat-model' })).toBe(40);
    expect(total(p, 'litellm_output_tokens_metric_total', { model: 'chat-model' })).toBe(20);
    expect(total(p, 'litellm_total_tokens_metric_total', { model: 'chat-model' })).toBe(60);
    expect(total(p, 'litellm_total_tokens_total', { model: 'chat-model' })).toBe(60);
    expect(total(p, 'litellm_cache_hits_metric_total', { model: 'chat' })).toBe(1);
    expect(total(p, 'litellm_deployment_successful_fallbacks_total', { requested_model: 'flaky', fallback_model: 'chat', exception_status: '503', exception_class: 'overloaded' })).toBe(1);
    expect(total(p, 'litellm_deployment_failure_responses_total', { model_id: 'two-a', api_provider: 'mock', exception_status: '429' })).toBe(1);
    expect(total(p, 'litellm_deployment_success_responses_total', { model_id: 'two-b', litellm_model_name: 'two-b', requested_model: 'two' })).toBe(1);
    expect(total(p, 'litellm_deployment_total_requests_total')).toBe(total(p, 'tollgate_deployment_attempts_total'));
    expect(find(p, 'litellm_deployment_state', { model_id: 'broken-a' })[0].value).toBe(1);
    expect(find(p, 'litellm_remaining_api_key_budget_metric', { api_key_alias: 'team-a-key' })).toHaveLength(1);
    expect(total(p, 'litellm_request_total_latency_metric_count', { requested_model: 'chat', model_id: 'chat-a' })).toBe(3);
    expect(total(p, 'litellm_llm_api_time_to_first_token_metric_count', { model_id: 'chat-a' })).toBe(1);
    // LiteLLM's buckets, read from the same counts: `le` values are LiteLLM's own.
    expect(find(p, 'litellm_overhead_latency_metric_bucket', { model_id: 'chat-a' }).map((s) => s.labels.le).slice(0, 3)).toEqual(['0.005', '0.00625', '0.0125']);
    expect(total(p, 'litellm_overhead_latency_metric_count', { model_group: 'chat', model_id: 'chat-a' })).toBe(3);
    expect(p.types.get('litellm_spend_metric_total')).toBe('counter');
  });

  it('bounds label values by the config: no request ids, raw model names or keys', async () => {
    expect(total(p, 'tollgate_requests_total', { model_group: 'unknown', status_class: '4xx' })).toBe(1);
    expect(total(p, 'tollgate_requests_total', { model_group: 'mock/*', key: 'master_key', outcome: 'ok' })).toBe(1);
    const text = (await scrape(MASTER)).text;
    for (const s of [unknownModel, 'some-client-chosen-name', VIRTUAL, MASTER, 'tg-']) expect(text).not.toContain(s);
    const values = new Set(p.samples.flatMap((s) => Object.values(s.labels)));
    expect(values.size).toBeLessThan(200);
  });
});

describe('who may read /metrics', () => {
  it('needs the master key (or an admin key) by default, in Prometheus text format', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(VIRTUAL)).status).toBe(403);
    const ok = await scrape(MASTER);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.text).toMatch(/^# HELP process_cpu_user_seconds_total/m);
  });

  it('is open with `public: true`', async () => {
    const open = await startServer({ model_list: [{ model_name: 'm', params: { model: 'mock/m' } }], settings: { master_key: MASTER } }, [withOptions(metrics, { public: true, litellmNames: false })]);
    try {
      const res = await request(`${open.url}/metrics`);
      const text = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(text).toContain('# TYPE tollgate_requests_total counter');
      expect(text).not.toContain('litellm_');
    } finally {
      await open.close();
    }
  });
});
