import { describe, expect, it } from 'vitest';
import { ConfigError, normalizeConfig } from '@tollgate/core';
import { resolveRouterSettings } from '@tollgate/plugin-loadbalance';

/** The settings of a raw config file, through the core's normalisation as a gateway reads them. */
const fromFile = (raw: Record<string, unknown>) => {
  const { config } = normalizeConfig(raw, {});
  return resolveRouterSettings(config.router, config.origins);
};

describe('router settings', () => {
  it("default to LiteLLM's", () => {
    expect(resolveRouterSettings()).toMatchObject({
      routing_strategy: 'simple-shuffle',
      num_retries: 2,
      cooldown_time: 5,
      max_fallbacks: 5,
      retry_after: 0,
      max_retry_wait: 60,
      allowed_fails: undefined,
      allowed_fails_policy: undefined,
      retry_policy: undefined,
      enable_pre_call_checks: false,
      disable_cooldowns: false,
      tag_filtering_match_any: true,
      fallbacks: { groups: {}, any: undefined },
      context_window_fallbacks: undefined,
      content_policy_fallbacks: undefined,
    });
  });

  it('take an unchanged LiteLLM router_settings block', () => {
    const settings = fromFile({
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
        enable_pre_call_checks: true,
        redis_host: 'redis.internal',
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
      enable_pre_call_checks: true,
      lowest_latency_buffer: 0.5,
      fallbacks: { groups: { 'gpt-4o': ['claude-sonnet', 'gpt-4o-mini'], 'gpt-4o-mini': ['llama'] }, any: ['gpt-4o-mini'] },
      context_window_fallbacks: { groups: { 'gpt-4o': ['gpt-4.1'] } },
      content_policy_fallbacks: { groups: { 'gpt-4o': ['claude-sonnet'] } },
    });
    expect(settings.retry_policy).toEqual({
      byKind: { rate_limit: 5, timeout: 1, content_policy: 2, context_window_exceeded: 2 },
      other: 4,
    });
    expect(settings.allowed_fails_policy).toEqual({ byKind: { rate_limit: 10 }, other: undefined, badGateway: 1 });
  });

  it('read the router settings LiteLLM keeps in litellm_settings, the native router section winning', () => {
    expect(fromFile({ litellm_settings: { num_retries: 4, fallbacks: [{ a: ['b'] }], default_fallbacks: ['c'], drop_params: true } }))
      .toMatchObject({ num_retries: 4, fallbacks: { groups: { a: ['b'] }, any: ['c'] } });
    expect(fromFile({ router: { num_retries: 1 }, router_settings: { num_retries: 2, cooldown_time: 9 }, litellm_settings: { max_fallbacks: 1 } }))
      .toMatchObject({ num_retries: 1, cooldown_time: 9, max_fallbacks: 1 });
  });

  it('read enforce_model_rate_limits and model_group_retry_policy', () => {
    const settings = resolveRouterSettings({ optional_pre_call_checks: ['enforce_model_rate_limits'], model_group_retry_policy: { 'gpt-4o': { RateLimitErrorRetries: 0 } } });
    expect(settings.enforce_model_rate_limits).toBe(true);
    expect(settings.model_group_retry_policy['gpt-4o']).toEqual({ byKind: { rate_limit: 0 }, other: undefined });
  });

  it('name the path the user wrote for a bad value', () => {
    const bad = (raw: Record<string, unknown>) => () => fromFile(raw);
    expect(bad({ router: { num_retries: 1.5 } })).toThrow('router.num_retries: must be integer');
    expect(bad({ router_settings: { retry_policy: { RateLimitErrorRetries: -1 } } })).toThrow('router_settings.retry_policy.RateLimitErrorRetries: must be >= 0');
    expect(bad({ router_settings: { retry_policy: { RateLimitRetries: 1 } } })).toThrow('router_settings.retry_policy.RateLimitRetries: is not a known property');
    expect(bad({ router_settings: { routing_strategy: 'fastest' } })).toThrow('router_settings.routing_strategy: must be one of "simple-shuffle", "round-robin"');
    expect(bad({ router_settings: { fallbacks: [{ a: ['b'], c: ['d'] }] } })).toThrow('router_settings.fallbacks[0]: must be {"<model group>": ["<fallback group>", ...]}');
    expect(bad({ litellm_settings: { num_retries: 'two' } })).toThrow('litellm_settings.num_retries: must be integer');
    expect(() => resolveRouterSettings('fast' as never)).toThrow(ConfigError);
  });
});
