import type { Gateway } from '@tollgate/core';
import { histogramSamples, Sums, type Family, type Labels } from './families.js';
import { LATENCY_BUCKETS, type HistogramCells } from './histogram.js';
import type { CallerLabels } from './labels.js';
import { deploymentStates } from './native.js';
import type { DeploymentLabels, LatencyRow, MetricsRecorder, RequestRow } from './recorder.js';

/*
 * LiteLLM's metric names, rendered from the same rows as Tollgate's own, so dashboards built on
 * LiteLLM's `prometheus` callback keep working. Names and label names from
 * litellm/integrations/prometheus.py and litellm/types/integrations/prometheus.py
 * (PrometheusMetricLabels); Python's prometheus_client exposes a counter `x` as `x_total`, which
 * is the name those dashboards query. Labels that would carry raw user strings (end_user, user,
 * user_email, client_ip, user_agent, route) are left out; `exception_class` holds Tollgate's error kind.
 */

const key = (c: CallerLabels): Labels => ({ hashed_api_key: c.hash, api_key_alias: c.alias, team: c.team });
const model = (r: RequestRow): string => r.deployment?.model ?? r.group;

function counter(name: string, help: string, fill: (s: Sums) => void): Family {
  return { name, help, type: 'counter', samples() { const s = new Sums(); fill(s); return s.samples; } };
}

function tokens(name: string, help: string, rec: MetricsRecorder, pick: (r: RequestRow) => number): Family {
  return counter(name, help, (s) => {
    for (const r of rec.requests.values()) {
      const v = pick(r);
      if (v) s.add({ ...key(r.caller), model: model(r), requested_model: r.group, model_id: r.deployment?.id ?? '' }, v);
    }
  });
}

function latency(name: string, help: string, rec: MetricsRecorder, pick: (r: LatencyRow) => HistogramCells, labels: (r: LatencyRow) => Labels): Family {
  return {
    name,
    help,
    type: 'histogram',
    samples: () => histogramSamples(name, [...rec.latency.values()].map((r) => ({ labels: labels(r), cells: pick(r) })), LATENCY_BUCKETS),
  };
}

const deploymentLabels = (d: DeploymentLabels): Labels => ({ litellm_model_name: d.model, model_id: d.id, api_base: d.apiBase, api_provider: d.provider });

export function litellmFamilies(rec: MetricsRecorder, gateway: Gateway): Family[] {
  const rows = () => rec.requests.values();
  const latencyLabels = (r: LatencyRow): Labels => ({ requested_model: r.group, model: r.deployment?.model ?? r.group, model_id: r.deployment?.id ?? '' });
  const attempts = (name: string, help: string, which: 'all' | 'success' | 'failure'): Family => counter(name, help, (s) => {
    for (const a of rec.attempts.values()) {
      for (const x of a.results.values()) {
        if ((which === 'success' && x.kind) || (which === 'failure' && !x.kind)) continue;
        const labels: Labels = { requested_model: a.group, ...deploymentLabels(a.deployment), ...key(a.caller) };
        if (which === 'failure') Object.assign(labels, { exception_status: x.status, exception_class: x.kind });
        s.add(labels, x.n);
      }
    }
  });
  const fallbacks = (name: string, help: string, pick: 'success' | 'failure'): Family => counter(name, help, (s) => {
    for (const f of rec.fallbacks.values()) {
      if (f[pick]) s.add({ requested_model: f.group, fallback_model: f.fallback, ...key(f.caller), exception_status: f.status, exception_class: f.kind }, f[pick]);
    }
  });
  const deploymentGauge = (name: string, help: string, value: (x: Awaited<ReturnType<typeof deploymentStates>>[number]) => number | undefined): Family => ({
    name,
    help,
    type: 'gauge',
    samples: async () => (await deploymentStates(gateway, rec)).flatMap((x) => {
      const v = value(x);
      return v === undefined ? [] : [{ labels: deploymentLabels(x.d), value: v }];
    }),
  });

  return [
    counter('litellm_proxy_total_requests_metric_total', 'Total number of requests made to the proxy server', (s) => {
      for (const r of rows()) for (const x of r.statuses.values()) s.add({ requested_model: r.group, ...key(r.caller), status_code: String(x.status), model_id: r.deployment?.id ?? '' }, x.n);
    }),
    counter('litellm_proxy_failed_requests_metric_total', 'Total number of failed responses from proxy', (s) => {
      for (const r of rows()) for (const x of r.failures.values()) s.add({ requested_model: r.group, ...key(r.caller), exception_status: String(x.status), exception_class: x.kind, model_id: r.deployment?.id ?? '' }, x.n);
    }),
    counter('litellm_requests_metric_total', 'Total number of LLM calls to litellm (deprecated name, kept for old dashboards)', (s) => {
      for (const r of rows()) {
        let n = 0;
        for (const x of r.statuses.values()) n += x.n;
        s.add({ ...key(r.caller), model: model(r), model_id: r.deployment?.id ?? '' }, n);
      }
    }),
    counter('litellm_spend_metric_total', 'Total spend on LLM requests', (s) => {
      for (const r of rows()) if (r.spend) s.add({ ...key(r.caller), model: model(r), model_id: r.deployment?.id ?? '' }, r.spend);
    }),
    tokens('litellm_total_tokens_metric_total', 'Total number of input + output tokens from LLM requests', rec, (r) => r.inputTokens + r.outputTokens),
    tokens('litellm_input_tokens_metric_total', 'Total number of input tokens from LLM requests', rec, (r) => r.inputTokens),
    tokens('litellm_output_tokens_metric_total', 'Total number of output tokens from LLM requests', rec, (r) => r.outputTokens),
    // The names before LiteLLM added `_metric` (its docs still list `litellm_total_tokens`).
    tokens('litellm_total_tokens_total', 'Total number of input + output tokens from LLM requests (older name)', rec, (r) => r.inputTokens + r.outputTokens),
    tokens('litellm_input_tokens_total', 'Total number of input tokens from LLM requests (older name)', rec, (r) => r.inputTokens),
    tokens('litellm_output_tokens_total', 'Total number of output tokens from LLM requests (older name)', rec, (r) => r.outputTokens),
    counter('litellm_cache_hits_metric_total', 'Total number of cache hits', (s) => {
      for (const r of rows()) if (r.cacheHits) s.add({ model: r.group, ...key(r.caller) }, r.cacheHits);
    }),
    attempts('litellm_deployment_total_requests_total', 'LLM Deployment Analytics - Total number of LLM API calls via litellm - success + failure', 'all'),
    attempts('litellm_deployment_success_responses_total', 'LLM Deployment Analytics - Total number of successful LLM API calls via litellm', 'success'),
    attempts('litellm_deployment_failure_responses_total', 'LLM Deployment Analytics - Total number of failed LLM API calls for a specific LLM deployment', 'failure'),
    fallbacks('litellm_deployment_successful_fallbacks_total', 'LLM Deployment Analytics - Number of successful fallback requests from primary model -> fallback model', 'success'),
    fallbacks('litellm_deployment_failed_fallbacks_total', 'LLM Deployment Analytics - Number of failed fallback requests from primary model -> fallback model', 'failure'),
    deploymentGauge('litellm_deployment_state', 'LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage', (x) => x.state),
    deploymentGauge('litellm_deployment_rpm_limit', 'Deployment RPM limit found in config', (x) => x.rpm),
    deploymentGauge('litellm_deployment_tpm_limit', 'Deployment TPM limit found in config', (x) => x.tpm),
    {
      name: 'litellm_remaining_api_key_budget_metric',
      help: 'Remaining budget for api key',
      type: 'gauge',
      samples: () => [...rec.budgets.values()].map((b) => ({ labels: { hashed_api_key: b.caller.hash, api_key_alias: b.caller.alias }, value: b.remaining })),
    },
    {
      name: 'litellm_api_key_max_budget_metric',
      help: 'Maximum budget set for api key',
      type: 'gauge',
      samples: () => [...rec.budgets.values()].map((b) => ({ labels: { hashed_api_key: b.caller.hash, api_key_alias: b.caller.alias }, value: b.max })),
    },
    latency('litellm_request_total_latency_metric', 'Total latency (seconds) for a request to LiteLLM', rec, (r) => r.duration, latencyLabels),
    latency('litellm_llm_api_latency_metric', 'Total latency (seconds) for a models LLM API call', rec, (r) => r.upstream, latencyLabels),
    latency('litellm_llm_api_time_to_first_token_metric', 'Time to first token for a models LLM API call', rec, (r) => r.ttft, latencyLabels),
    latency('litellm_overhead_latency_metric', 'Latency overhead (seconds) added by LiteLLM processing', rec, (r) => r.overhead, (r) => ({
      model_group: r.group,
      api_provider: r.deployment?.provider ?? '',
      api_base: r.deployment?.apiBase ?? '',
      litellm_model_name: r.deployment?.model ?? '',
      model_id: r.deployment?.id ?? '',
    })),
  ];
}
