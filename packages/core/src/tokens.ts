import type { InjectionToken } from 'tsyringe';
import type { Gateway } from './gateway.js';
import type { Logger } from './logger.js';
import type { TollgateConfig } from './config/types.js';
import type { Transport } from './transport/types.js';
import type { CredentialsService } from './transport/credentials.js';
import type { HttpRouteRegistry } from './http-routes.js';
import type { HealthRegistry } from './health.js';
import type { StatsStore } from './routing/stats.js';
import type { OperationRegistry } from './operations/registry.js';
import type { ProviderAdapter } from './adapter.js';
import type { SharedState } from './state/shared-state.js';

/**
 * Explicit injection tokens: esbuild/vitest emit no decorator metadata, so nothing is resolved
 * by type. Plugins register their own services under their own tokens (a Symbol they export).
 */
export const TOKENS = {
  Gateway: Symbol.for('tollgate.Gateway') as InjectionToken<Gateway>,
  Logger: Symbol.for('tollgate.Logger') as InjectionToken<Logger>,
  Config: Symbol.for('tollgate.Config') as InjectionToken<TollgateConfig>,
  Transport: Symbol.for('tollgate.Transport') as InjectionToken<Transport>,
  Credentials: Symbol.for('tollgate.Credentials') as InjectionToken<CredentialsService>,
  Routes: Symbol.for('tollgate.Routes') as InjectionToken<HttpRouteRegistry>,
  /** Stores (database, Redis) and deployment states plugins report, for readiness and metrics. */
  Health: Symbol.for('tollgate.Health') as InjectionToken<HealthRegistry>,
  /** Per-deployment live figures routing reads; in memory by default. */
  StatsStore: Symbol.for('tollgate.StatsStore') as InjectionToken<StatsStore>,
  Operations: Symbol.for('tollgate.Operations') as InjectionToken<OperationRegistry>,
  /** Multi-registration: every ProviderAdapter registered in the container is served. */
  Adapter: Symbol.for('tollgate.Adapter') as InjectionToken<ProviderAdapter>,
  /** State shared by every gateway process: in memory by default, Redis with @tollgate/state-redis. */
  SharedState: Symbol.for('tollgate.SharedState') as InjectionToken<SharedState>,
} as const;
