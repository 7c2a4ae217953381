import { ConfigError, compileSchema, describeErrors, type ErrorKind } from '@tollgate/core';
import { litellmSettingsSchema, routerProperties, routerSchema, routerSettingsSchema, type ROUTING_STRATEGIES } from './schema.js';

export type RoutingStrategyName = Exclude<(typeof ROUTING_STRATEGIES)[number], 'usage-based-routing'>;

/** `{group: [fallback groups]}` merged into one map; `any` is LiteLLM's generic `"*"` entry (default_fallbacks). */
export interface FallbackMap {
  readonly groups: Readonly<Record<string, readonly string[]>>;
  readonly any: readonly string[] | undefined;
}

/** Retries (or allowed fails) per error kind; `other` applies to kinds not listed. */
export interface PerKind {
  readonly byKind: Readonly<Partial<Record<ErrorKind, number>>>;
  readonly other: number | undefined;
  /** allowed_fails_policy only: BadGatewayErrorAllowedFails, for a 502. */
  readonly badGateway?: number;
}

/** Router settings with LiteLLM's defaults applied. Times are in seconds, as in the config. */
export interface RouterSettings {
  readonly routing_strategy: RoutingStrategyName;
  /** latency-based-routing: deployments within `best × (1 + buffer)` share the traffic at random. */
  readonly lowest_latency_buffer: number;
  readonly num_retries: number;
  readonly retry_policy: PerKind | undefined;
  readonly model_group_retry_policy: Readonly<Record<string, PerKind>>;
  /** Least seconds to wait before retrying the same deployment. */
  readonly retry_after: number;
  /** Set (explicitly) -> a deployment cools after more than this many failures in a minute. */
  readonly allowed_fails: number | undefined;
  readonly allowed_fails_policy: PerKind | undefined;
  readonly cooldown_time: number;
  readonly disable_cooldowns: boolean;
  readonly fallbacks: FallbackMap;
  /** Undefined = not configured: those errors use `fallbacks`. */
  readonly context_window_fallbacks: FallbackMap | undefined;
  readonly content_policy_fallbacks: FallbackMap | undefined;
  readonly max_fallbacks: number;
  readonly timeout: number | undefined;
  readonly stream_timeout: number | undefined;
  readonly enable_pre_call_checks: boolean;
  /** LiteLLM's `enforce_model_rate_limits`: every strategy admits by rpm, not only usage-based. */
  readonly enforce_model_rate_limits: boolean;
  /** Undefined: on for a group when one of its deployments has tags. */
  readonly enable_tag_filtering: boolean | undefined;
  readonly tag_filtering_match_any: boolean;
  readonly model_group_alias: Readonly<Record<string, { readonly model: string; readonly hidden: boolean }>>;
  readonly redis: RedisConnection | undefined;
}

export type RedisConnection = { url: string } | { host: string; port: number; password?: string };

/** LiteLLM's defaults: litellm/constants.py and litellm/router.py (Router.__init__). */
export const DEFAULTS = {
  routing_strategy: 'simple-shuffle',
  /** openai.DEFAULT_MAX_RETRIES, which the router falls back to. */
  num_retries: 2,
  /** DEFAULT_COOLDOWN_TIME_SECONDS */
  cooldown_time: 5,
  /** ROUTER_MAX_FALLBACKS */
  max_fallbacks: 5,
  retry_after: 0,
  /** LiteLLM's is 0 (always the single fastest); a small buffer keeps one deployment from taking everything. */
  lowest_latency_buffer: 0.1,
} as const;

type Obj = Record<string, unknown>;
export interface RouterSections {
  /** The native section. */
  router?: unknown;
  /** LiteLLM's proxy config sections. */
  router_settings?: unknown;
  litellm_settings?: unknown;
}

const checkRouter = compileSchema(routerSchema as unknown as Obj);
const checkRouterSettings = compileSchema(routerSettingsSchema as unknown as Obj);
const checkLitellmSettings = compileSchema(litellmSettingsSchema as unknown as Obj);

/**
 * Merge and validate the router settings: the native `router:` section wins over LiteLLM's
 * `router_settings:`, which wins over `litellm_settings:` (as LiteLLM's Router arguments win over
 * module settings). Errors name the path (`router_settings.retry_policy.RateLimitErrorRetries: must be integer`).
 * Returns warnings for `router_settings` keys Tollgate does not use.
 */
export function resolveRouterSettings(sections: RouterSections, env: NodeJS.ProcessEnv = {}): { settings: RouterSettings; warnings: string[] } {
  const router = section(sections.router, 'router', checkRouter);
  const routerSettings = section(sections.router_settings, 'router_settings', checkRouterSettings);
  const litellm = section(sections.litellm_settings, 'litellm_settings', checkLitellmSettings, true);
  const warnings: string[] = [];
  const unknown = Object.keys(routerSettings).filter((k) => !(k in routerProperties));
  if (unknown.length) warnings.push(`router_settings keys the load balancer does not use (ignored): ${unknown.join(', ')}`);
  const fromLitellm: Obj = { ...litellm };
  if (litellm.request_timeout !== undefined) fromLitellm.timeout = litellm.request_timeout;
  const s: Obj = { ...fromLitellm, ...routerSettings, ...router };

  const strategy = (s.routing_strategy as string | undefined) ?? DEFAULTS.routing_strategy;
  const defaultFallbacks = s.default_fallbacks as string[] | undefined;
  const args = (s.routing_strategy_args as Obj | undefined) ?? {};
  const settings: RouterSettings = {
    // v1 of usage-based routing is deprecated in LiteLLM; both names get the v2 behaviour.
    routing_strategy: (strategy === 'usage-based-routing' ? 'usage-based-routing-v2' : strategy) as RoutingStrategyName,
    lowest_latency_buffer: (args.lowest_latency_buffer as number | undefined) ?? DEFAULTS.lowest_latency_buffer,
    num_retries: (s.num_retries as number | undefined) ?? DEFAULTS.num_retries,
    retry_policy: s.retry_policy ? retryPolicy(s.retry_policy as Obj) : undefined,
    model_group_retry_policy: Object.fromEntries(Object.entries((s.model_group_retry_policy as Obj | undefined) ?? {}).map(([g, p]) => [g, retryPolicy(p as Obj)])),
    retry_after: (s.retry_after as number | undefined) ?? DEFAULTS.retry_after,
    allowed_fails: s.allowed_fails as number | undefined,
    allowed_fails_policy: s.allowed_fails_policy ? allowedFailsPolicy(s.allowed_fails_policy as Obj) : undefined,
    cooldown_time: (s.cooldown_time as number | undefined) ?? DEFAULTS.cooldown_time,
    disable_cooldowns: s.disable_cooldowns === true,
    fallbacks: fallbackMap(s.fallbacks, defaultFallbacks),
    context_window_fallbacks: s.context_window_fallbacks ? fallbackMap(s.context_window_fallbacks) : undefined,
    content_policy_fallbacks: s.content_policy_fallbacks ? fallbackMap(s.content_policy_fallbacks) : undefined,
    max_fallbacks: (s.max_fallbacks as number | undefined) ?? DEFAULTS.max_fallbacks,
    timeout: s.timeout as number | undefined,
    stream_timeout: s.stream_timeout as number | undefined,
    enable_pre_call_checks: s.enable_pre_call_checks === true,
    enforce_model_rate_limits: ((s.optional_pre_call_checks as string[] | undefined) ?? []).includes('enforce_model_rate_limits'),
    enable_tag_filtering: s.enable_tag_filtering as boolean | undefined,
    tag_filtering_match_any: s.tag_filtering_match_any !== false,
    model_group_alias: Object.fromEntries(
      Object.entries((s.model_group_alias as Obj | undefined) ?? {}).map(([alias, v]) =>
        [alias, typeof v === 'string' ? { model: v, hidden: false } : { model: (v as Obj).model as string, hidden: (v as Obj).hidden === true }]),
    ),
    redis: redisConnection(s, env),
  };
  return { settings, warnings };
}

/**
 * The model group a requested name stands for: its model_group_alias target, else the name
 * (litellm/router.py, _get_model_from_alias: a string, or the `model` of `{model, hidden}`).
 * A hidden alias is served but not listed in /v1/models.
 */
export function resolveModelGroupAlias(name: string, settings: Pick<RouterSettings, 'model_group_alias'>): string {
  return settings.model_group_alias[name]?.model ?? name;
}

function section(raw: unknown, name: string, check: ReturnType<typeof compileSchema>, onlyKnown = false): Obj {
  if (raw == null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${name}: must be an object`);
  let value = { ...(raw as Obj) };
  // litellm_settings holds every LiteLLM module setting; only the router's are read here.
  if (onlyKnown) value = Object.fromEntries(Object.entries(value).filter(([k]) => k in (litellmSettingsSchema.properties as Obj)));
  if (!check(value)) throw new ConfigError(`Invalid ${name}: ${describeErrors(check.errors, name).join('; ')}`);
  return value;
}

/**
 * LiteLLM's exception classes -> error kinds, most specific first (litellm/router_utils/
 * get_retry_from_policy.py walks the exception's classes that way). ContextWindowExceeded and
 * ContentPolicyViolation are BadRequestError subclasses there, so BadRequestErrorRetries reaches
 * them; a plain 400 is never retried here whatever the policy says.
 */
const RETRY_KEYS: ReadonlyArray<readonly [string, readonly ErrorKind[]]> = [
  ['AuthenticationErrorRetries', ['auth']],
  ['TimeoutErrorRetries', ['timeout']],
  ['RateLimitErrorRetries', ['rate_limit']],
  ['ContentPolicyViolationErrorRetries', ['content_policy']],
  ['BadRequestErrorRetries', ['content_policy', 'context_window_exceeded']],
  ['InternalServerErrorRetries', ['server']],
  ['ServiceUnavailableErrorRetries', ['overloaded']],
  ['NotFoundErrorRetries', ['not_found']],
];
const ALLOWED_FAILS_KEYS: ReadonlyArray<readonly [string, readonly ErrorKind[]]> = [
  ['BadRequestErrorAllowedFails', ['bad_request']],
  ['AuthenticationErrorAllowedFails', ['auth']],
  ['TimeoutErrorAllowedFails', ['timeout']],
  ['RateLimitErrorAllowedFails', ['rate_limit']],
  ['ContentPolicyViolationErrorAllowedFails', ['content_policy']],
  ['InternalServerErrorAllowedFails', ['server']],
  ['ServiceUnavailableErrorAllowedFails', ['overloaded']],
  ['NotFoundErrorAllowedFails', ['not_found']],
];

/** A policy's counts per error kind; the first key that names a kind wins. */
function perKind(p: Obj, keys: typeof RETRY_KEYS): Partial<Record<ErrorKind, number>> {
  const byKind: Partial<Record<ErrorKind, number>> = {};
  for (const [key, kinds] of keys) {
    const v = p[key] as number | undefined;
    if (v !== undefined) for (const kind of kinds) byKind[kind] ??= v;
  }
  return byKind;
}

function retryPolicy(p: Obj): PerKind {
  return { byKind: perKind(p, RETRY_KEYS), other: p.DefaultRetries as number | undefined };
}

function allowedFailsPolicy(p: Obj): PerKind {
  return { byKind: perKind(p, ALLOWED_FAILS_KEYS), other: undefined, badGateway: p.BadGatewayErrorAllowedFails as number | undefined };
}

/** LiteLLM's default_fallbacks become the generic `"*"` entry (litellm/router.py, Router.__init__). */
function fallbackMap(list: unknown, defaultFallbacks?: string[]): FallbackMap {
  const groups: Record<string, string[]> = {};
  let any: string[] | undefined;
  for (const item of (list as Obj[] | undefined) ?? []) {
    for (const [group, to] of Object.entries(item)) {
      const targets = typeof to === 'string' ? [to] : (to as string[]);
      if (group === '*') any = targets;
      else groups[group] ??= targets;
    }
  }
  if (defaultFallbacks?.length) any ??= defaultFallbacks;
  return { groups, any };
}

function redisConnection(s: Obj, env: NodeJS.ProcessEnv): RedisConnection | undefined {
  const url = (s.redis_url as string | undefined) ?? env.REDIS_URL;
  if (url) return { url };
  const host = s.redis_host as string | undefined;
  if (!host) return undefined;
  const port = s.redis_port === undefined ? 6379 : Number(s.redis_port);
  const password = s.redis_password as string | undefined;
  return password === undefined ? { host, port } : { host, port, password };
}
