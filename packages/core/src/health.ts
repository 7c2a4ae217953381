import type { Deployment } from './adapter.js';
import { scrubSecrets } from './logger.js';

/**
 * A store a plugin depends on (a database, Redis): `check()` resolves when it answers and throws
 * (or rejects) when it does not. Registered with `gateway.health.addStore()` at start-up;
 * `/health/readiness` runs every check on demand.
 */
export interface StoreCheck {
  /** Shown in readiness reports: 'postgres', 'redis', 'sqlite', ... */
  readonly name: string;
  /** What the store is for: 'database', 'cache', 'shared_state', ... */
  readonly kind: string;
  /** Plugin that registered it. */
  readonly plugin?: string;
  check(): Promise<unknown> | unknown;
}

export interface StoreStatus {
  name: string;
  kind: string;
  plugin?: string;
  status: 'connected' | 'unreachable';
  ms: number;
  error?: string;
}

/** What a routing plugin knows of a deployment: `cooling` = taken out of rotation for now. */
export type DeploymentState = 'healthy' | 'cooling';
export type DeploymentStateSource = (d: Deployment) => DeploymentState | Promise<DeploymentState>;

/**
 * Where plugins report what readiness and metrics show: the stores they use and (a routing
 * plugin) which deployments are cooling down. The core and the server read it; nothing here
 * runs on a timer.
 */
export class HealthRegistry {
  private readonly list: StoreCheck[] = [];
  private stateSource: DeploymentStateSource | null = null;

  addStore(store: StoreCheck): void {
    this.list.push(store);
  }

  get stores(): readonly StoreCheck[] {
    return this.list;
  }

  /** A routing plugin (cooldowns) tells which deployments are out of rotation. */
  setDeploymentState(source: DeploymentStateSource): void {
    this.stateSource = source;
  }

  async deploymentState(d: Deployment): Promise<DeploymentState> {
    return this.stateSource ? this.stateSource(d) : 'healthy';
  }

  /** Run every store check at once, each bounded by `timeoutMs`. */
  async checkStores(timeoutMs = 2_000): Promise<StoreStatus[]> {
    return Promise.all(this.list.map(async (s) => {
      const t = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => s.check()),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
        ]);
        return { name: s.name, kind: s.kind, plugin: s.plugin, status: 'connected' as const, ms: round(performance.now() - t) };
      } catch (err) {
        return { name: s.name, kind: s.kind, plugin: s.plugin, status: 'unreachable' as const, ms: round(performance.now() - t), error: scrubSecrets((err as Error)?.message ?? String(err)) };
      } finally {
        clearTimeout(timer);
      }
    }));
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
