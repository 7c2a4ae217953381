import type { ErrorKind } from '@tollgate/core';

/**
 * What routing reads of a deployment, built once at start-up (see `deploymentView`). The engine
 * is generic over it: pass your own objects that extend it (holding the core's Deployment, say)
 * and you get the same objects back, in plan order.
 */
export interface DeploymentView {
  readonly id: string;
  /** The model group (`model_name`). */
  readonly group: string;
  /** `provider/model`, as in params.model. */
  readonly model: string;
  readonly weight: number | undefined;
  /** Requests and tokens per minute this deployment may take. */
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** Priority tier: 1 is tried before 2; a deployment without one comes after every tier. */
  readonly order: number;
  readonly tags: readonly string[];
  /** Context window (model_info.max_input_tokens, else max_tokens); undefined = unknown, never skipped. */
  readonly maxInputTokens: number | undefined;
  /** USD per token, from params or model_info (`input_cost_per_token`, `output_cost_per_token`). */
  readonly inputCostPerToken: number | undefined;
  readonly outputCostPerToken: number | undefined;
  /** Seconds, overrides the router's cooldown_time for this deployment (LiteLLM's litellm_params.cooldown_time). */
  readonly cooldownTime: number | undefined;
  /** Retries for this deployment's group (LiteLLM's litellm_params.num_retries). */
  readonly numRetries: number | undefined;
}

/** Live figures of one deployment, shared across processes when the state is Redis. */
export interface StatsView {
  inFlight: number;
  /** Moving average of latency per output token of non-streamed attempts, ms; undefined = no sample yet. */
  latencyPerTokenMs: number | undefined;
  /** Moving average of time to first token of streamed attempts, ms. */
  ttftMs: number | undefined;
  /** Requests and tokens counted in the current minute window. */
  rpmUsed: number;
  tpmUsed: number;
  /** Ms until the current minute window ends (0 when none is open). */
  usageResetMs: number;
}

/** What routing needs to know of the request. */
export interface RequestInfo {
  readonly group: string;
  readonly stream: boolean;
  /** A cheap estimate of the prompt's tokens (see estimateInputTokens). */
  readonly inputTokens: number;
  readonly tags: readonly string[];
}

/** One finished attempt, as the core reports it at attempt end. Times in ms on one clock. */
export interface AttemptRecord {
  readonly deploymentId: string;
  readonly group: string;
  readonly ok: boolean;
  readonly stream: boolean;
  /** Upstream HTTP status, null when none came (network error, abort). */
  readonly status: number | null;
  readonly errorKind: ErrorKind | null;
  /** Seconds the upstream asked to wait. */
  readonly retryAfter?: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Time to the first streamed token, ms (streams only). */
  readonly ttftMs: number | null;
  readonly usage: { readonly prompt_tokens?: number; readonly completion_tokens?: number; readonly total_tokens?: number } | null;
}

/** What a failure is, as routing decisions read it (a GatewayError has all of it). */
export interface FailureInfo {
  readonly kind: ErrorKind;
  readonly status?: number;
  /** Seconds the upstream asked to wait. */
  readonly retryAfter?: number;
}

/** A number in [0, 1); injectable so tests and benches are deterministic. */
export type Rng = () => number;
export type Clock = () => number;
