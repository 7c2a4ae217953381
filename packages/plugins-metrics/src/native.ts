import type { Gateway } from '@tollgate/core';
import { histogramSamples, Sums, type Family, type Sample } from './families.js';
import { statusClass } from './labels.js';
import type { DeploymentLabels, LatencyRow, MetricsRecorder } from './recorder.js';

const dep = (d: DeploymentLabels | null) => ({ deployment: d?.id ?? '', provider: d?.provider ?? '' });

/** 0 healthy, 1 failing (its last attempt failed for a reason of its own), 2 cooling down: LiteLLM's encoding. */
export async function deploymentStates(gateway: Gateway, rec: MetricsRecorder): Promise<Array<{ d: DeploymentLabels; state: number; inFlight: number; rpm?: number; tpm?: number }>> {
  return Promise.all(gateway.allDeployments().map(async (d) => {
    const l = rec.labelsOf(d);
    const cooling = (await gateway.health.deploymentState(d)) === 'cooling';
    return { d: l, state: cooling ? 2 : rec.failing.get(l.id) ? 1 : 0, inFlight: d.stats.inFlight, rpm: d.params.rpm, tpm: d.params.tpm };
  }));
}

function latency(name: string, help: string, rec: MetricsRecorder, pick: (r: LatencyRow) => LatencyRow['duration']): Family {
  return {
    name,
    help,
    type: 'histogram',
    samples: () => histogramSamples(name, [...rec.latency.values()].map((r) => ({ labels: { model_group: r.group, ...dep(r.deployment) }, cells: pick(r) }))),
  };
}

/** Tollgate's own metrics: `tollgate_*`, labels bounded by the config (see README, "Labels"). */
export function nativeFamilies(rec: MetricsRecorder, gateway: Gateway): Family[] {
  const rows = () => [...rec.requests.values()];
  return [
    {
      name: 'tollgate_requests_total',
      help: 'Requests by model group, deployment that answered last, provider, key (alias or hash), status class and outcome.',
      type: 'counter',
      samples() {
        const s = new Sums();
        for (const r of rows()) for (const x of r.statuses.values()) s.add({ model_group: r.group, ...dep(r.deployment), key: r.caller.key, status_class: statusClass(x.status), outcome: x.outcome }, x.n);
        return s.samples;
      },
    },
    {
      name: 'tollgate_request_failures_total',
      help: 'Requests that ended in an error, by status code and error kind.',
      type: 'counter',
      samples() {
        const s = new Sums();
        for (const r of rows()) for (const x of r.failures.values()) s.add({ model_group: r.group, ...dep(r.deployment), key: r.caller.key, status_class: statusClass(x.status), status_code: String(x.status), error_kind: x.kind }, x.n);
        return s.samples;
      },
    },
    {
      name: 'tollgate_tokens_total',
      help: 'Tokens in (prompt) and out (completion), as the upstream reported or the gateway estimated them.',
      type: 'counter',
      samples() {
        const out: Sample[] = [];
        for (const r of rows()) {
          const labels = { model_group: r.group, ...dep(r.deployment), key: r.caller.key };
          if (r.inputTokens) out.push({ labels: { ...labels, direction: 'input' }, value: r.inputTokens });
          if (r.outputTokens) out.push({ labels: { ...labels, direction: 'output' }, value: r.outputTokens });
        }
        return out;
      },
    },
    {
      name: 'tollgate_spend_usd_total',
      help: 'Spend in USD, as priced by a cost plugin.',
      type: 'counter',
      samples: () => rows().filter((r) => r.spend > 0).map((r) => ({ labels: { model_group: r.group, ...dep(r.deployment), key: r.caller.key }, value: r.spend })),
    },
    {
      name: 'tollgate_cache_hits_total',
      help: 'Requests answered from a cache (preRoute answered with reason cache_hit).',
      type: 'counter',
      samples() {
        const s = new Sums();
        for (const r of rows()) if (r.cacheHits) s.add({ model_group: r.group, key: r.caller.key }, r.cacheHits);
        return s.samples;
      },
    },
    {
      name: 'tollgate_fallbacks_total',
      help: 'Requests served, or failed, by a fallback model group.',
      type: 'counter',
      samples() {
        const s = new Sums();
        for (const r of rec.fallbacks.values()) {
          if (r.success) s.add({ model_group: r.group, fallback_group: r.fallback, result: 'success' }, r.success);
          if (r.failure) s.add({ model_group: r.group, fallback_group: r.fallback, result: 'failure' }, r.failure);
        }
        return s.samples;
      },
    },
    {
      name: 'tollgate_rate_limit_rejections_total',
      help: 'Requests the gateway itself refused with 429 (key limits, all deployments cooling), before any upstream call.',
      type: 'counter',
      samples: () => [...rec.rejections.values()].map((r) => ({ labels: { model_group: r.group, key: r.caller.key, reason: r.reason }, value: r.n })),
    },
    {
      name: 'tollgate_deployment_attempts_total',
      help: 'Upstream attempts per deployment (retries and fallbacks included), by upstream status class and error kind.',
      type: 'counter',
      samples() {
        const s = new Sums();
        for (const r of rec.attempts.values()) {
          for (const x of r.results.values()) s.add({ model_group: r.deployment.group, ...dep(r.deployment), status_class: x.status ? statusClass(Number(x.status)) : 'none', error_kind: x.kind }, x.n);
        }
        return s.samples;
      },
    },
    latency('tollgate_request_duration_seconds', 'Whole request, receipt to last byte.', rec, (r) => r.duration),
    latency('tollgate_upstream_duration_seconds', 'Time waiting on upstreams (all attempts; streams up to the last event).', rec, (r) => r.upstream),
    latency('tollgate_time_to_first_token_seconds', 'Streams: receipt to first content token.', rec, (r) => r.ttft),
    latency('tollgate_overhead_seconds', "Tollgate's own time: the whole request minus time waiting on upstreams.", rec, (r) => r.overhead),
    {
      name: 'tollgate_requests_in_flight',
      help: 'Requests in the pipeline now (streams until their last byte).',
      type: 'gauge',
      samples: () => [{ labels: {}, value: gateway.activeRequests }],
    },
    {
      name: 'tollgate_deployment_in_flight',
      help: 'Upstream attempts in flight per deployment.',
      type: 'gauge',
      samples: async () => (await deploymentStates(gateway, rec)).map((x) => ({ labels: { model_group: x.d.group, ...dep(x.d) }, value: x.inFlight })),
    },
    {
      name: 'tollgate_deployment_state',
      help: 'Deployment state: 0 healthy, 1 failing (last attempt failed for a reason of its own), 2 cooling down.',
      type: 'gauge',
      samples: async () => (await deploymentStates(gateway, rec)).map((x) => ({ labels: { model_group: x.d.group, ...dep(x.d) }, value: x.state })),
    },
    {
      name: 'tollgate_key_budget_remaining_usd',
      help: 'Budget left per key (keys with a max budget), as of its last request.',
      type: 'gauge',
      samples: () => [...rec.budgets.values()].map((b) => ({ labels: { key: b.caller.key }, value: b.remaining })),
    },
    {
      name: 'tollgate_key_budget_max_usd',
      help: 'Max budget per key (keys with a max budget).',
      type: 'gauge',
      samples: () => [...rec.budgets.values()].map((b) => ({ labels: { key: b.caller.key }, value: b.max })),
    },
    {
      name: 'tollgate_account_hook_failures_total',
      help: 'account taps that threw (logged; the request was already answered).',
      type: 'counter',
      samples: () => [{ labels: {}, value: gateway.counters.accountFailures }],
    },
  ];
}
