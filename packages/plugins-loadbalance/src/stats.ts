import type { SharedState } from '@tollgate/core';
import type { Release } from './cooldown.js';
import { keysOf, type DeploymentKeys } from './keys.js';
import type { Strategy } from './strategies/strategies.js';
import type { AttemptRecord, DeploymentView, StatsView } from './types.js';

const MINUTE = 60_000;

export interface SharedStatsOptions {
  /** Weight of a new sample in the moving averages. Default 0.2 (about the last 10 samples, as LiteLLM keeps). */
  readonly alpha?: number;
  /** How long an average lives without new samples. Default 1 h (LiteLLM's lowest_latency ttl). */
  readonly latencyTtlMs?: number;
  /** An in-flight mark of a process that died clears itself after this. Default 10 min. */
  readonly inFlightLeaseMs?: number;
}

/**
 * Per-deployment live stats in SharedState, so every process routes on the same figures:
 * in-flight counts (a slot per attempt, lb:inflight:<id>), requests and tokens in the current
 * minute (windows lb:rpm:<id>, lb:tpm:<id>) and moving averages of latency per output token and of
 * time to first token (lb:lat:<id>, lb:ttft:<id>). An average is updated from this process's last
 * view of it, so two processes writing at once may drop one sample: fine for routing, and it
 * needs no extra round trip.
 */
export class SharedStats {
  private readonly alpha: number;
  private readonly latencyTtlMs: number;
  private readonly inFlightLeaseMs: number;
  private readonly lastSeen = new Map<string, { lat?: number; ttft?: number }>();

  constructor(private readonly state: SharedState, options: SharedStatsOptions = {}) {
    this.alpha = options.alpha ?? 0.2;
    this.latencyTtlMs = options.latencyTtlMs ?? 3_600_000;
    this.inFlightLeaseMs = options.inFlightLeaseMs ?? 600_000;
  }

  /** Stats aligned with `ds`, reading only what the strategy needs (one store call per kind). */
  async read(ds: readonly DeploymentView[], needs: Strategy['needs']): Promise<StatsView[]> {
    const ks = ds.map((d) => keysOf(d.id));
    const pairs = (a: keyof DeploymentKeys, b: keyof DeploymentKeys) => [...ks.map((k) => k[a]), ...ks.map((k) => k[b])];
    const [inFlight, latency, usage] = await Promise.all([
      needs.inFlight ? this.state.inUse(ks.map((k) => k.inFlight)) : undefined,
      needs.latency ? this.state.get(pairs('latency', 'ttft')) : undefined,
      needs.usage ? this.state.counts(pairs('rpm', 'tpm')) : undefined,
    ]);
    const n = ds.length;
    return ds.map(({ id }, i) => {
      const lat = latency ? num(latency[i]) : undefined;
      const ttft = latency ? num(latency[n + i]) : undefined;
      if (latency) {
        const seen = this.lastSeen.get(id);
        if (seen) {
          seen.lat = lat;
          seen.ttft = ttft;
        } else this.lastSeen.set(id, { lat, ttft });
      }
      return {
        inFlight: inFlight?.[i] ?? 0,
        latencyPerTokenMs: lat,
        ttftMs: ttft,
        rpmUsed: usage?.[i].count ?? 0,
        tpmUsed: usage?.[n + i].count ?? 0,
        usageResetMs: usage ? Math.max(usage[i].resetMs, usage[n + i].resetMs) : 0,
      };
    });
  }

  /**
   * Count this attempt in the deployment's minute of requests. With `enforce`, atomically refuse
   * it when the deployment is at its `rpm` (so `rpm: 10` holds for all processes together).
   */
  async admit(d: DeploymentView, enforce: boolean): Promise<boolean> {
    return (await this.state.hit(keysOf(d.id).rpm, MINUTE, 1, enforce ? d.rpm : undefined)).allowed;
  }

  /** Mark an attempt in flight; call the release when it ends. */
  async started(d: DeploymentView): Promise<Release> {
    return (await this.state.acquire(keysOf(d.id).inFlight, Number.POSITIVE_INFINITY, this.inFlightLeaseMs)) ?? (async () => undefined);
  }

  /**
   * Fold a finished attempt in: tokens into the minute's count; its latency per output token (or,
   * for a stream, its time to first token) into the averages. A timed-out attempt counts with its
   * whole duration, so a hanging deployment falls behind (LiteLLM adds a penalty sample on a timeout).
   */
  async finished(d: DeploymentView, r: AttemptRecord): Promise<void> {
    const k = keysOf(d.id);
    const tokens = r.usage?.total_tokens ?? (r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0);
    const writes: Array<Promise<unknown>> = [];
    if (tokens > 0) writes.push(this.state.hit(k.tpm, MINUTE, tokens));
    const elapsed = Math.max(0, r.endedAt - r.startedAt);
    const seen = this.lastSeen.get(d.id) ?? {};
    if (r.ok || r.errorKind === 'timeout') {
      if (r.stream) {
        seen.ttft = this.average(seen.ttft, r.ok && r.ttftMs !== null ? r.ttftMs : elapsed);
        writes.push(this.state.set(k.ttft, String(seen.ttft), this.latencyTtlMs));
      } else {
        seen.lat = this.average(seen.lat, r.ok ? elapsed / Math.max(1, r.usage?.completion_tokens ?? 1) : elapsed);
        writes.push(this.state.set(k.latency, String(seen.lat), this.latencyTtlMs));
      }
      this.lastSeen.set(d.id, seen);
    }
    await Promise.all(writes);
  }

  private average(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous + this.alpha * (sample - previous);
  }
}

const num = (v: string | null): number | undefined => {
  if (v === null) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** The core's per-process DeploymentStats (packages/core/src/adapter.ts) as a StatsView, for a single process. */
export function fromDeploymentStats(s: {
  inFlight: number; latencyMs: number; ttftMs: number; minuteStart: number; minuteRequests: number; minuteTokens: number;
}, now = Date.now()): StatsView {
  const current = now - s.minuteStart < MINUTE;
  return {
    inFlight: s.inFlight,
    latencyPerTokenMs: s.latencyMs > 0 ? s.latencyMs : undefined,
    ttftMs: s.ttftMs > 0 ? s.ttftMs : undefined,
    rpmUsed: current ? s.minuteRequests : 0,
    tpmUsed: current ? s.minuteTokens : 0,
    usageResetMs: current ? s.minuteStart + MINUTE - now : 0,
  };
}
