import type { Registry } from 'prom-client';
import type { HistogramCells } from './histogram.js';

export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** One exposed metric: its samples are computed from the recorder's rows at scrape time. */
export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples(): Sample[] | Promise<Sample[]>;
}

/**
 * Sums samples whose label sets are equal (rows are finer than some families' labels: two
 * statuses of one class are one `status_class="4xx"` sample).
 */
export class Sums {
  private readonly m = new Map<string, Sample>();

  add(labels: Labels, value: number): void {
    const k = Object.values(labels).join('\u0000');
    const s = this.m.get(k);
    if (s) s.value += value;
    else this.m.set(k, { labels, value });
  }

  get samples(): Sample[] {
    return [...this.m.values()];
  }
}

/** Bucket, sum and count samples of one histogram's label sets, at the given bounds (a subset of the cells' bounds). */
export function histogramSamples(name: string, rows: Array<{ labels: Labels; cells: HistogramCells }>, bounds?: readonly number[]): Sample[] {
  const out: Sample[] = [];
  for (const { labels, cells } of rows) {
    if (cells.count === 0) continue;
    for (const le of bounds ?? cells.bounds) out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: cells.cumulative(le) });
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cells.count });
    out.push({ metricName: `${name}_sum`, labels, value: cells.sum });
    out.push({ metricName: `${name}_count`, labels, value: cells.count });
  }
  return out;
}

/**
 * Register a family with a prom-client registry as a metric object of its own: the registry
 * renders and escapes it like its own metrics, and asks for its samples only when scraped.
 */
export function registerFamily(registry: Registry, f: Family): void {
  const metric = {
    name: f.name,
    help: f.help,
    type: f.type,
    aggregator: 'sum',
    async get() {
      return { name: f.name, help: f.help, type: f.type, aggregator: 'sum', values: await f.samples() };
    },
    reset() {},
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}
