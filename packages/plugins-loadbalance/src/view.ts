import type { DeploymentView } from './types.js';

/** The parts of a configured deployment routing reads (the core's Deployment has them). */
export interface DeploymentSource {
  readonly id: string;
  readonly modelName: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly modelInfo?: Readonly<Record<string, unknown>>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Build a deployment's routing view once, at start-up. Routing fields are read from `params`
 * (LiteLLM's litellm_params) first, then `model_info`, as LiteLLM's router reads them
 * (litellm/router_strategy/lowest_tpm_rpm_v2.py: deployment rpm/tpm from litellm_params, else model_info).
 */
export function deploymentView<Extra extends object = object>(d: DeploymentSource, extra?: Extra): DeploymentView & Extra {
  const p = d.params;
  const info = d.modelInfo ?? {};
  const pick = (k: string) => num(p[k]) ?? num(info[k]);
  const tags = Array.isArray(p.tags) ? p.tags.filter((t): t is string => typeof t === 'string') : [];
  const view: DeploymentView = {
    id: d.id,
    group: d.modelName,
    model: typeof p.model === 'string' ? p.model : '',
    weight: num(p.weight),
    rpm: pick('rpm'),
    tpm: pick('tpm'),
    order: num(p.order) ?? Number.POSITIVE_INFINITY,
    tags,
    maxInputTokens: num(info.max_input_tokens) ?? num(info.max_tokens) ?? num(p.max_input_tokens),
    inputCostPerToken: pick('input_cost_per_token'),
    outputCostPerToken: pick('output_cost_per_token'),
    cooldownTime: num(p.cooldown_time),
    numRetries: num(p.num_retries),
  };
  return Object.assign(view, extra);
}
