import type { ChatCompletionRequest } from '@tollgate/core';

/** When a guardrail runs (LiteLLM's `mode` values). */
export type GuardrailMode = 'pre_call' | 'during_call' | 'post_call' | 'logging_only';
export const MODES: readonly GuardrailMode[] = ['pre_call', 'during_call', 'post_call', 'logging_only'];

/** What a rule does with what it finds. */
export type Action = 'block' | 'mask';

/** A piece of text a detector found: `text.slice(start, end) === value`. */
export interface Span {
  type: string;
  start: number;
  end: number;
  value: string;
  /** A finer kind where one detector serves several names (a card's brand). */
  detail?: string;
}

/** A span a guardrail acted on. `value` is the sensitive text itself: never log it (see `describeFindings`). */
export interface Finding extends Span {
  guardrail: string;
  /** The rule's name: the placeholder label (`EMAIL` in `[EMAIL_1]`) and what a block reason names. */
  rule: string;
  action: Action;
  /** Where in the request or response (`messages[2].content[0].text`); set by the walkers. */
  path?: string;
  /** The placeholder that replaced it, when masked. */
  replacement?: string;
  /** The client-safe reason, on a blocking finding. */
  reason?: string;
}

/** Why a guardrail refused: safe to show the client (never the matched text). */
export interface Block {
  guardrail: string;
  reason: string;
  /** The rule or check that fired (`credit_card`, `prompt_injection`, `webhook`), for logs and metrics. */
  rule: string;
}

/** What a check on a request or response found and did. */
export interface CheckResult {
  /** Set when a guardrail refused; nothing after it ran. */
  block?: Block;
  /** Everything masked (or, in logging_only and during_call, that would have been). */
  findings: Finding[];
  /** The request or response was modified in place: the core must treat the request as changed. */
  changed: boolean;
  /** Names of the guardrails that ran, in order (for `x-tollgate-guardrails`). */
  applied: string[];
}

/** The request a check sees, with the guardrail-independent facts a webhook forwards. */
export interface CheckContext {
  request: ChatCompletionRequest;
  /** Request id, forwarded to webhooks as `litellm_call_id`. */
  requestId?: string;
  /** Caller facts forwarded to webhooks as `request_data` (LiteLLM's `user_api_key_*` names). */
  caller?: Record<string, string | undefined>;
  signal?: AbortSignal;
}
