import { RateLimitError, type ErrorKind, type SharedState } from '@tollgate/core';
import type { RouterSettings } from './settings/settings.js';
import { keysOf } from './keys.js';
import type { Clock, DeploymentView, FailureInfo } from './types.js';

export type Release = () => Promise<void>;

export interface CooldownFilterResult<D> {
  /** Closed deployments, and half-open ones this request holds the probe for, in the given order. */
  readonly available: D[];
  /** Deployment id -> the probe this request holds: send it first, pass it to recordSuccess/recordFailure. */
  readonly probes: Map<string, Release>;
  /** Ms until the first cooling deployment may be tried again; null when none is cooling. */
  readonly soonestMs: number | null;
}

export interface CooldownOptions {
  readonly clock?: Clock;
  /** How long one probe may take before another process may probe instead. Default 30 s. */
  readonly probeLeaseMs?: number;
  /** How long a deployment stays half-open after its cooldown, waiting for a probe; then it closes. Default 60 s. */
  readonly halfOpenMs?: number;
}

const MINUTE = 60_000;
/** LiteLLM: DEFAULT_FAILURE_THRESHOLD_PERCENT, DEFAULT_FAILURE_THRESHOLD_MINIMUM_REQUESTS (litellm/constants.py). */
const FAILURE_SHARE = 0.5;
const MIN_REQUESTS = 5;
/** Failures that say something about the deployment (litellm/router_utils/cooldown_handlers.py, _is_cooldown_required: 429, 401, 404, 408, 5xx; other 4xx do not). */
const COUNTED: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['rate_limit', 'auth', 'not_found', 'timeout', 'server', 'overloaded', 'connection']);
/** Failures that cool at once in a group of several (429; 401 and 404, which LiteLLM's _should_retry refuses). */
const IMMEDIATE: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['rate_limit', 'auth', 'not_found']);

/**
 * A circuit breaker per deployment, kept in SharedState so every process sees it:
 * closed -> open (cooling: skipped) for cooldown_time, or the provider's Retry-After, or the
 * deployment's own cooldown_time -> half-open: exactly one request, across processes, is let
 * through (a lease of one slot) -> its success closes the circuit (and clears the failure counts),
 * its failure opens it again. A group of one deployment is never cooled (it would leave nothing).
 *
 * Keys (under the store's prefix): lb:cd:<id> open until (ms), lb:ho:<id> half-open marker,
 * lb:probe:<id> the probe's slot, lb:ok:<id> / lb:fail:<id> one-minute windows.
 */
export class Cooldowns {
  private readonly clock: Clock;
  private readonly probeLeaseMs: number;
  private readonly halfOpenMs: number;

  constructor(
    private readonly state: SharedState,
    private readonly settings: Pick<RouterSettings, 'cooldown_time' | 'allowed_fails' | 'allowed_fails_policy' | 'disable_cooldowns'>,
    options: CooldownOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.probeLeaseMs = options.probeLeaseMs ?? 30_000;
    this.halfOpenMs = options.halfOpenMs ?? MINUTE;
  }

  /** Leave out cooling deployments; take the probe of a half-open one when nobody holds it. */
  async filter<D extends DeploymentView>(candidates: readonly D[]): Promise<CooldownFilterResult<D>> {
    const probes = new Map<string, Release>();
    if (this.settings.disable_cooldowns || candidates.length === 0) return { available: [...candidates], probes, soonestMs: null };
    const n = candidates.length;
    const keys: string[] = new Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k = keysOf(candidates[i].id);
      keys[i] = k.cooldown;
      keys[n + i] = k.halfOpen;
    }
    const values = await this.state.get(keys);
    const now = this.clock();
    let soonest = Number.POSITIVE_INFINITY;
    const available: D[] = [];
    for (let i = 0; i < n; i++) {
      const d = candidates[i];
      const openUntil = values[i];
      if (openUntil !== null) {
        soonest = Math.min(soonest, Math.max(0, Number(openUntil) - now));
      } else if (values[n + i] === null) {
        available.push(d);
      } else {
        const release = await this.state.acquire(keysOf(d.id).probe, 1, this.probeLeaseMs);
        if (release) {
          probes.set(d.id, release);
          available.push(d);
        } else {
          // Another request is probing it; its answer comes within one attempt.
          soonest = Math.min(soonest, 1000);
        }
      }
    }
    return { available, probes, soonestMs: Number.isFinite(soonest) ? soonest : null };
  }

  async recordSuccess(d: DeploymentView, probe?: Release): Promise<void> {
    const k = keysOf(d.id);
    await this.state.hit(k.ok, MINUTE);
    if (!probe) return;
    await Promise.all([this.state.delete(k.halfOpen), this.state.delete(k.fail), this.state.delete(k.ok)]);
    await probe();
  }

  /** Count a failure and open the circuit when the rules say so. Returns whether it was opened. */
  async recordFailure(d: DeploymentView, failure: FailureInfo, groupSize: number, probe?: Release): Promise<boolean> {
    if (!COUNTED.has(failure.kind) || this.settings.disable_cooldowns) {
      await probe?.();
      return false;
    }
    const fails = (await this.state.hit(keysOf(d.id).fail, MINUTE)).count;
    if (probe) {
      const opened = await this.open(d, failure);
      await probe();
      return opened;
    }
    if (groupSize <= 1) return false;
    if (!(await this.shouldOpen(d, failure, fails))) return false;
    return this.open(d, failure);
  }

  /**
   * LiteLLM's rules (cooldown_handlers.py, _should_cooldown_deployment): with allowed_fails or
   * allowed_fails_policy set, more than that many failures in a minute; otherwise a 429, 401 or
   * 404 at once, or more than half of the minute's requests failing once there are at least 5.
   */
  private async shouldOpen(d: DeploymentView, failure: FailureInfo, fails: number): Promise<boolean> {
    const { allowed_fails, allowed_fails_policy } = this.settings;
    if (allowed_fails !== undefined || allowed_fails_policy) {
      const fromPolicy = failure.status === 502 ? allowed_fails_policy?.badGateway ?? allowed_fails_policy?.byKind.server : allowed_fails_policy?.byKind[failure.kind];
      return fails > (fromPolicy ?? allowed_fails ?? Number.POSITIVE_INFINITY);
    }
    if (IMMEDIATE.has(failure.kind)) return true;
    const [ok] = await this.state.counts([keysOf(d.id).ok]);
    const total = ok.count + fails;
    return total >= MIN_REQUESTS && fails / total > FAILURE_SHARE;
  }

  /** Cooldown length: the deployment's cooldown_time, else the upstream's Retry-After, else the router's (litellm/router.py, deployment_callback_on_failure). */
  private async open(d: DeploymentView, failure: FailureInfo): Promise<boolean> {
    const seconds = d.cooldownTime ?? (failure.retryAfter !== undefined && failure.retryAfter > 0 ? failure.retryAfter : this.settings.cooldown_time);
    if (!(seconds > 0)) return false;
    const ms = seconds * 1000;
    const k = keysOf(d.id);
    await Promise.all([this.state.set(k.cooldown, String(this.clock() + ms), ms), this.state.set(k.halfOpen, '1', ms + this.halfOpenMs)]);
    return true;
  }
}

/** Every deployment of the group is cooling: a 429 whose retry-after is the soonest recovery. */
export function allCoolingError(group: string, soonestMs: number): RateLimitError {
  return new RateLimitError(`All deployments of model group "${group}" are cooling down after failures; retry later.`, {
    retryAfter: Math.max(1, Math.ceil(soonestMs / 1000)),
    code: 'all_deployments_cooling_down',
  });
}
