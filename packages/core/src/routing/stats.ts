import type { Deployment, DeploymentStats } from '../adapter.js';
import type { AttemptRecord } from '../pipeline/context.js';

/**
 * Live per-deployment figures the core records around every attempt, read by routing strategies
 * (least-busy, latency- and usage-based). The default keeps them in this process, on each
 * deployment's `stats`; a store registered under `TOKENS.StatsStore` may share them (Redis) so
 * several gateway processes route on the same figures. Called on the hot path: keep it synchronous
 * and cheap, and write to a remote store without awaiting.
 */
export interface StatsStore {
  /** An attempt starts on `deployment`. */
  start(deployment: Deployment): void;
  /** An attempt ended (success or failure), with its record. */
  end(deployment: Deployment, attempt: AttemptRecord): void;
  /** The figures routing reads. */
  get(deployment: Deployment): DeploymentStats;
}

/** Weight of the newest sample in the moving averages. */
const EWMA = 0.2;

function ewma(prev: number, sample: number): number {
  return prev ? prev + EWMA * (sample - prev) : sample;
}

export function newStats(): DeploymentStats {
  return { inFlight: 0, requests: 0, failures: 0, latencyMs: 0, latencyPerTokenMs: 0, ttftMs: 0, minuteStart: 0, minuteRequests: 0, minuteTokens: 0, lastError: null, lastErrorAt: 0 };
}

/** The default: figures on `deployment.stats`, in this process. */
export class MemoryStatsStore implements StatsStore {
  start(d: Deployment): void {
    const s = d.stats;
    s.inFlight++;
    s.requests++;
    const now = Date.now();
    if (now - s.minuteStart >= 60_000) { s.minuteStart = now; s.minuteRequests = 0; s.minuteTokens = 0; }
    s.minuteRequests++;
  }

  end(d: Deployment, a: AttemptRecord): void {
    const s = d.stats;
    s.inFlight--;
    if (a.error) {
      s.failures++;
      s.lastError = a.error;
      s.lastErrorAt = Date.now();
      return;
    }
    const ms = a.endedAt - a.startedAt;
    if (a.firstTokenAt) s.ttftMs = ewma(s.ttftMs, a.firstTokenAt - a.startedAt);
    else s.latencyMs = ewma(s.latencyMs, ms);
    const out = a.usage?.completion_tokens;
    if (out) s.latencyPerTokenMs = ewma(s.latencyPerTokenMs, ms / out);
    if (a.usage) s.minuteTokens += a.usage.total_tokens ?? 0;
  }

  get(d: Deployment): DeploymentStats {
    return d.stats;
  }
}
