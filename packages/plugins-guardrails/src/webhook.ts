import { Agent, request as undiciRequest } from 'undici';
import type { GuardrailInput, Verdict } from './guardrail.js';

/**
 * The webhook contract is LiteLLM's Generic Guardrail API, so guardrail services written for
 * LiteLLM work unchanged (docs/my-website/docs/adding_provider/generic_guardrail_api.md and
 * litellm/proxy/guardrails/guardrail_hooks/generic_guardrail_api/ in BerriAI/litellm).
 *
 * Request, POST application/json:
 *   { "texts": string[],                       every text of the request or answer, in order
 *     "input_type": "request" | "response",
 *     "request_data": { "user_api_key_hash"?, "user_api_key_alias"?, "user_api_key_team_id"?, ... },
 *     "litellm_call_id": string | null,         the request id
 *     "additional_provider_specific_params": {} from config }
 * Response, 2xx application/json:
 *   { "action": "NONE" | "BLOCKED" | "GUARDRAIL_INTERVENED",
 *     "blocked_reason"?: string,                shown to the client on BLOCKED
 *     "texts"?: string[] }                      replacements on GUARDRAIL_INTERVENED, same count
 */
export interface WebhookOptions {
  /** The full URL POSTed to. */
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /**
   * On failure (timeout, connection error, non-2xx, unreadable answer): `fail_closed` blocks,
   * `fail_open` lets the request through. `failOpenOn: 'unreachable'` is LiteLLM's
   * `unreachable_fallback: fail_open`: open only when the service cannot be reached (connection
   * error, timeout, 502/503/504); a 500 or a malformed answer still blocks.
   */
  onError: 'fail_open' | 'fail_closed';
  failOpenOn?: 'any' | 'unreachable';
  params?: Record<string, unknown>;
  /** Called on each failure that was let through (log it). */
  onFailOpen?: (error: WebhookError) => void;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** One keep-alive agent for all webhooks; undici pools per origin inside it. */
const agent = new Agent({ keepAliveTimeout: 10_000, connections: 32 });

export class WebhookClient {
  constructor(private readonly options: WebhookOptions) {}

  async check(input: GuardrailInput): Promise<Verdict> {
    let answer: WebhookAnswer;
    try {
      answer = await this.post(input);
    } catch (err) {
      const e = err instanceof WebhookError ? err : new WebhookError(String(err), false);
      const open = this.options.onError === 'fail_open' && (this.options.failOpenOn !== 'unreachable' || e.unreachable);
      if (!open) return { action: 'block', reason: 'The guardrail service could not be reached or gave no usable answer.', rule: 'webhook_error' };
      this.options.onFailOpen?.(e);
      return { action: 'pass' };
    }
    if (answer.action === 'BLOCKED') return { action: 'block', reason: answer.blocked_reason || 'Content violates policy.', rule: 'webhook' };
    if (answer.action === 'GUARDRAIL_INTERVENED' && answer.texts) return { action: 'mask', texts: answer.texts };
    return { action: 'pass' };
  }

  private async post(input: GuardrailInput): Promise<WebhookAnswer> {
    const body = JSON.stringify({
      texts: input.texts,
      input_type: input.kind,
      request_data: input.caller ?? {},
      litellm_call_id: input.requestId ?? null,
      additional_provider_specific_params: this.options.params ?? {},
    });
    const signal = input.signal ? AbortSignal.any([input.signal, AbortSignal.timeout(this.options.timeoutMs)]) : AbortSignal.timeout(this.options.timeoutMs);
    let res;
    try {
      res = await undiciRequest(this.options.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', ...this.options.headers },
        body,
        signal,
      });
    } catch (err) {
      throw new WebhookError(`request failed: ${(err as Error).name}`, true);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw new WebhookError(`reading the answer failed: ${(err as Error).name}`, true);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new WebhookError(`status ${res.statusCode}`, res.statusCode === 502 || res.statusCode === 503 || res.statusCode === 504);
    }
    return parseAnswer(text, input.texts.length);
  }
}

interface WebhookAnswer {
  action: 'NONE' | 'BLOCKED' | 'GUARDRAIL_INTERVENED';
  blocked_reason?: string;
  texts?: string[];
}

function parseAnswer(text: string, count: number): WebhookAnswer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new WebhookError('the answer is not JSON', false);
  }
  const a = v as Partial<WebhookAnswer> | null;
  if (!a || typeof a !== 'object' || !['NONE', 'BLOCKED', 'GUARDRAIL_INTERVENED'].includes(a.action as string)) {
    throw new WebhookError('the answer has no valid "action"', false);
  }
  if (a.blocked_reason !== undefined && typeof a.blocked_reason !== 'string') throw new WebhookError('"blocked_reason" must be a string', false);
  if (a.texts !== undefined && a.texts !== null) {
    if (!Array.isArray(a.texts) || a.texts.length !== count || a.texts.some((t) => typeof t !== 'string')) {
      throw new WebhookError(`"texts" must be ${count} strings`, false);
    }
  }
  return { action: a.action as WebhookAnswer['action'], blocked_reason: a.blocked_reason, texts: a.texts ?? undefined };
}
