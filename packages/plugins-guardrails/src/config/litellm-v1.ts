import { compileSchema, ConfigError, describeErrors } from '@tollgate/core';
import { entityGuardrail, injectionGuardrail, SECRET_ENTITIES, type Base } from '../builtins.js';
import type { Guardrail } from '../guardrail.js';

/*
 * LiteLLM's first guardrails format, under `litellm_settings` (sources in BerriAI/litellm:
 * litellm/proxy/guardrails/init_guardrails.py `initialize_guardrails`, litellm/types/guardrails.py
 * `GuardrailItemSpec`, docs/my-website/docs/old_guardrails.md):
 *
 *   litellm_settings:
 *     guardrails:
 *       - prompt_injection:                     # the guardrail's name
 *           callbacks: [detect_prompt_injection]
 *           default_on: true
 *           logging_only: false
 *           enabled_roles: [user]
 *
 * Tollgate runs two of LiteLLM's callbacks itself: `hide_secrets` (secrets masked in the input,
 * enterprise/enterprise_hooks/secret_detection.py) and `detect_prompt_injection` (a heuristic
 * check refusing the input, litellm/proxy/hooks/prompt_injection_detection.py). Callbacks that
 * call a vendor (Lakera, Presidio, Aporia, LLM Guard, Llama Guard, moderation APIs) fail at
 * start-up naming the entry, so no guardrail is silently missing.
 */

const CALLBACKS = ['hide_secrets', 'detect_prompt_injection'];

const itemSchema = {
  type: 'object',
  required: ['callbacks'],
  properties: {
    callbacks: { type: 'array', items: { type: 'string' }, minItems: 1 },
    default_on: { type: 'boolean' },
    logging_only: { type: ['boolean', 'null'] },
    enabled_roles: { type: ['array', 'null'], items: { enum: ['system', 'assistant', 'user'] } },
    callback_args: { type: 'object' },
  },
  additionalProperties: false,
};
const validateItem = compileSchema(itemSchema);

interface Item {
  callbacks: string[];
  default_on?: boolean;
  logging_only?: boolean | null;
  enabled_roles?: string[] | null;
  callback_args?: Record<string, unknown>;
}

/** `{ <name>: { callbacks: [...] } }`: one key whose value lists callbacks. */
export function isLitellmV1Entry(raw: unknown): boolean {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const keys = Object.keys(raw);
  if (keys.length !== 1) return false;
  const v = (raw as Record<string, unknown>)[keys[0]];
  return !!v && typeof v === 'object' && 'callbacks' in v;
}

/** One entry of LiteLLM's first format as a guardrail (pre_call, or logging_only). */
export function compileLitellmV1(raw: Record<string, unknown>, at: string, warnings: string[]): Guardrail {
  const name = Object.keys(raw)[0];
  const where = `${at}.${name}`;
  if (/[,\s]/.test(name)) throw new ConfigError(`${where}: a guardrail name has no spaces or commas`);
  const item = raw[name] as Item;
  if (!validateItem(item)) throw new ConfigError(describeErrors(validateItem.errors, where).join('; '));
  item.callbacks.forEach((cb, i) => {
    if (!CALLBACKS.includes(cb)) {
      throw new ConfigError(`${where}.callbacks[${i}]: "${cb}" calls a service Tollgate does not provide; Tollgate runs ${CALLBACKS.join(' and ')} itself (or use a webhook guardrail)`);
    }
  });
  const secrets = item.callbacks.includes('hide_secrets');
  const injection = item.callbacks.includes('detect_prompt_injection');
  if (item.logging_only && injection) throw new ConfigError(`${where}.logging_only: detect_prompt_injection refuses requests; it has nothing to mask in logs`);
  if (item.callback_args !== undefined) warnings.push(`${where}.callback_args: not used by Tollgate (ignored)`);
  if (item.enabled_roles && secrets) warnings.push(`${where}.enabled_roles: applies to detect_prompt_injection only; hide_secrets checks every role`);
  const base: Base = { name, type: item.callbacks.join('+'), modes: [item.logging_only ? 'logging_only' : 'pre_call'], defaultOn: item.default_on ?? false };
  let g: Guardrail = { ...base };
  // hide_secrets replaces what it finds rather than refusing.
  if (secrets) g = entityGuardrail(base, SECRET_ENTITIES, { action: 'mask' }, 'mask');
  if (injection) g = { ...g, check: injectionGuardrail(base, { roles: item.enabled_roles ?? undefined }).check };
  return g;
}
