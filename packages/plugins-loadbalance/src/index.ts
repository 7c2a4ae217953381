export type { AttemptRecord, Clock, DeploymentView, FailureInfo, RequestInfo, Rng, StatsView } from './types.js';
export { deploymentView, type DeploymentSource } from './view.js';
export { seededRng } from './rng.js';
export {
  resolveRouterSettings,
  resolveModelGroupAlias,
  DEFAULTS,
  type FallbackMap,
  type PerKind,
  type RedisConnection,
  type RouterSections,
  type RouterSettings,
  type RoutingStrategyName,
} from './settings/settings.js';
export { routerSchema, routerSettingsSchema, litellmSettingsSchema, ROUTING_STRATEGIES, RETRY_POLICY_KEYS, ALLOWED_FAILS_POLICY_KEYS } from './settings/schema.js';
export { STRATEGIES, configuredPrice, type OrderContext, type PriceFn, type Strategy } from './strategies/strategies.js';
export { orderPlan, atLimit, type OrderedPlan } from './strategies/plan.js';
export { filterByTags, type TagOptions } from './filters/tags.js';
export { estimateInputTokens, filterByContextWindow, contextWindowError } from './filters/context-window.js';
export { Cooldowns, allCoolingError, type CooldownFilterResult, type CooldownOptions, type Release } from './cooldown.js';
export { SharedStats, fromDeploymentStats, type SharedStatsOptions } from './stats.js';
export { retriesFor, retryDelayMs } from './retry.js';
export { fallbacksOf, nextFallbackGroup } from './fallbacks.js';
export { decide, type AttemptState, type Decision } from './decide.js';
export { requestOverrides, ROUTING_BODY_FIELDS, type RequestOverrides } from './request.js';
export { LoadBalancer, RouteState, DeploymentAtLimitError, type LoadBalancerOptions } from './balancer.js';
