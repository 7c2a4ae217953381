import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tollgate/core';
import { resolveModelGroupAlias, resolveRouterSettings } from '@tollgate/plugin-loadbalance';

describe('router settings', () => {
  it("default to LiteLLM's", () => {
    const { settings } = resolveRouterSettings({});
    expect(settings).toMatchObject({
      routing_strategy: 'simple-shuffle',
      num_retries: 2,
      cooldown_time: 5,
      max_fallbacks: 5,
      retry_after: 0,
      allowed_fails: undefined,
      allowed_fails_policy: undefined,
      retry_policy: undefined,
      enable_pre_call_checks: false,
      disable_cooldowns: false,
      tag_filtering_match_any: true,
      fallbacks: { groups: {}, any: undefined },
      context_window_fallbacks: undefined,
      content_policy_fallbacks: undefined,
      redis: undefined,
    });
  });

  it('take an unchanged LiteLLM router_settings block', () => {
    const { settings, warnings } = resolveRouterSettings({
      router_settings: {
        routing_strategy: 'usage-based-routing',
        num_retries: 3,
        retry_policy: { RateLimitErrorRetries: 5, TimeoutErrorRetries: 1, BadRequestErrorRetries: 2, DefaultRetries: 4 },
        allowed_fails: 2,
        allowed_fails_policy: { RateLimitErrorAllowedFails: 10, BadGatewayErrorAllowedFails: 1 },
        cooldown_time: 30,
        fallbacks: [{ 'gpt-4o': ['claude-sonnet', 'gpt-4o-mini'] }, { 'gpt-4o-mini': 'llama' }],
        context_window_fallbacks: [{ 'gpt-4o': ['gpt-4.1'] }],
        content_policy_fallbacks: [{ 'gpt-4o': ['claude-sonnet'] }],
        default_fallbacks: ['gpt-4o-mini'],
        max_fallbacks: 2,
        timeout: 30,
        stream_timeout: 10,
        enable_pre_call_checks: true,
        model_group_alias: { 'gpt-4': 'gpt-4o', internal: { model: 'gpt-4o-mini', hidden: true } },
        redis_host: 'redis.internal',
        redis_port: '6380',
        redis_password: 'secret',
        routing_strategy_args: { lowest_latency_buffer: 0.5 },
        cache_responses: true,
      },
    });
    expect(settings).toMatchObject({
      routing_strategy: 'usage-based-routing-v2',
      num_retries: 3,
      allowed_fails: 2,
      cooldown_time: 30,
      max_fallbacks: 2,
      timeout: 30,
      stream_timeout: 10,
      enable_pre_call_checks: true,
      lowest_latency_buffer: 0.5,
      fallbacks: { groups: { 'gpt-4o': ['claude-sonnet', 'gpt-4o-mini'], 'gpt-4o-mini': ['llama'] }, any: ['gpt-4o-mini'] },
      context_window_fallbacks: { groups: { 'gpt-4o': ['gpt-4.1'] } },
      content_policy_fallbacks: { groups: { 'gpt-4o': ['claude-sonnet'] } },
      model_group_alias: { 'gpt-4': { model: 'gpt-4o', hidden: false }, internal: { model: 'gpt-4o-mini', hidden: true } },
      redis: { host: 'redis.internal', port: 6380, password: 'secret' },
    });
    expect(settings.retry_policy).toEqual({
      byKind: { rate_limit: 5, timeout: 1, content_policy: 2, context_window_exceeded: 2 },
      other: 4,
    });
    expect(settings.allowed_fails_policy).toEqual({ byKind: { rate_limit: 10 }, other: undefined, badGateway: 1 });
    expect(warnings).toEqual(['router_settings keys the load balancer does not use (ignored): cache_responses']);
  });

  it('read the router settings LiteLLM keeps in litellm_settings', () => {
    const { settings } = resolveRouterSettings({
      litellm_settings: { num_retries: 4, request_timeout: 45, fallbacks: [{ a: ['b'] }], default_fallbacks: ['c'], drop_params: true, success_callback: ['langfuse'] },
    });
    expect(settings).toMatchObject({ num_retries: 4, timeout: 45, fallbacks: { groups: { a: ['b'] }, any: ['c'] } });
  });

  it('let the native router section win over router_settings, and router_settings over litellm_settings', () => {
    const { settings } = resolveRouterSettings({
      router: { num_retries: 1 },
      router_settings: { num_retries: 2, cooldown_time: 9 },
      litellm_settings: { num_retries: 3, max_fallbacks: 1 },
    });
    expect(settings).toMatchObject({ num_retries: 1, cooldown_time: 9, max_fallbacks: 1 });
  });

  it('take the Redis URL from redis_url, else REDIS_URL', () => {
    expect(resolveRouterSettings({ router: { redis_url: 'redis://a:6379' } }, { REDIS_URL: 'redis://b:6379' }).settings.redis).toEqual({ url: 'redis://a:6379' });
    expect(resolveRouterSettings({}, { REDIS_URL: 'redis://b:6379' }).settings.redis).toEqual({ url: 'redis://b:6379' });
    expect(resolveRouterSettings({ router: { redis_host: 'h' } }).settings.redis).toEqual({ host: 'h', port: 6379 });
  });

  it('read enforce_model_rate_limits and model_group_retry_policy', () => {
    const { settings } = resolveRouterSettings({
      router: { optional_pre_call_checks: ['enforce_model_rate_limits'], model_group_retry_policy: { 'gpt-4o': { RateLimitErrorRetries: 0 } } },
    });
    expect(settings.enforce_model_rate_limits).toBe(true);
    expect(settings.model_group_retry_policy['gpt-4o']).toEqual({ byKind: { rate_limit: 0 }, other: undefined });
  });

  it('resolve a model_group_alias to its group, hidden or not', () => {
    const { settings } = resolveRouterSettings({ router: { model_group_alias: { 'gpt-4': 'gpt-4o', secret: { model: 'gpt-4o-mini', hidden: true } } } });
    expect(resolveModelGroupAlias('gpt-4', settings)).toBe('gpt-4o');
    expect(resolveModelGroupAlias('secret', settings)).toBe('gpt-4o-mini');
    expect(resolveModelGroupAlias('gpt-4o', settings)).toBe('gpt-4o');
  });

  it('name the path of a bad value', () => {
    const bad = (sections: Parameters<typeof resolveRouterSettings>[0]) => () => resolveRouterSettings(sections);
    expect(bad({ router: { num_retries: 1.5 } })).toThrow('router.num_retries: must be integer');
    expect(bad({ router: { num_retrys: 1 } })).toThrow('router.num_retrys: is not a known property');
    expect(bad({ router_settings: { retry_policy: { RateLimitErrorRetries: -1 } } })).toThrow('router_settings.retry_policy.RateLimitErrorRetries: must be >= 0');
    expect(bad({ router_settings: { retry_policy: { RateLimitRetries: 1 } } })).toThrow('router_settings.retry_policy.RateLimitRetries: is not a known property');
    expect(bad({ router_settings: { routing_strategy: 'fastest' } })).toThrow('router_settings.routing_strategy: must be one of "simple-shuffle", "round-robin"');
    expect(bad({ router_settings: { fallbacks: [{ a: ['b'], c: ['d'] }] } })).toThrow('router_settings.fallbacks[0]: must be {"<model group>": ["<fallback group>", ...]}');
    expect(bad({ litellm_settings: { num_retries: 'two' } })).toThrow('litellm_settings.num_retries: must be integer');
    expect(bad({ router: 'fast' })).toThrow(ConfigError);
  });
});
