/**
 * LiteLLM's latency buckets in seconds (litellm/types/integrations/prometheus.py, LATENCY_BUCKETS),
 * so its dashboards' `histogram_quantile` over `litellm_*_latency_metric_bucket` reads the same.
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 15, 20, 25, 30, 60, 120, 180, 240, 300,
];

/**
 * Tollgate's own time is tens of microseconds: finer buckets below LiteLLM's, which stay
 * included so its overhead metric can be rendered from the same counts.
 */
export const OVERHEAD_BUCKETS: readonly number[] = [...new Set([0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.25, ...LATENCY_BUCKETS])].sort((a, b) => a - b);

/**
 * A histogram's counts for one label set: a slot per bucket (non-cumulative; +Inf last), sum and
 * count. Observing is a short scan and two additions, no allocation.
 */
export class HistogramCells {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }

  /** Cumulative count of observations <= `le` (`le` must be one of the bounds, or Infinity). */
  cumulative(le: number): number {
    let n = 0;
    const b = this.bounds;
    for (let i = 0; i < b.length && b[i] <= le; i++) n += this.counts[i];
    return le === Infinity ? this.count : n;
  }
}
