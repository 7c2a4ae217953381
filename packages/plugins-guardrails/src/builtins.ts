import type { ChatCompletion } from '@tollgate/core';
import type { Detector } from './detect/detector.js';
import { scorePromptInjection } from './detect/injection.js';
import { estimateTokens, TOKENS_PER_MESSAGE } from './detect/limits.js';
import { keywordDetector, regexDenyDetector } from './detect/lists.js';
import { creditCard, email, iban, ipv4, ipv6, phone, usSsn } from './detect/pii.js';
import {
  anthropicKey, awsAccessKey, awsSecretKey, githubToken, googleApiKey, jwt, openaiKey, privateKey, slackToken, stripeKey,
} from './detect/secrets.js';
import type { Guardrail, GuardrailInput, Verdict } from './guardrail.js';
import { checkJsonSchema } from './json-schema.js';
import { Scanner, type Rule } from './scanner.js';
import type { Action, GuardrailMode } from './types.js';
import { WebhookClient, type WebhookOptions } from './webhook.js';

/** What every guardrail carries from its config entry. */
export interface Base {
  name: string;
  type: string;
  modes: GuardrailMode[];
  tagModes?: Map<string, GuardrailMode[]>;
  defaultOn: boolean;
}

interface Entity {
  detectors: Detector[];
  /** For the block reason: "Content blocked: <what> detected." */
  what: string;
}

export const PII_ENTITIES: Readonly<Record<string, Entity>> = {
  email: { detectors: [email], what: 'an email address' },
  phone: { detectors: [phone], what: 'a phone number' },
  credit_card: { detectors: [creditCard], what: 'a payment card number' },
  iban: { detectors: [iban], what: 'a bank account number (IBAN)' },
  us_ssn: { detectors: [usSsn], what: 'a US Social Security number' },
  ip_address: { detectors: [ipv4, ipv6], what: 'an IP address' },
};

export const SECRET_ENTITIES: Readonly<Record<string, Entity>> = {
  private_key: { detectors: [privateKey], what: 'a private key' },
  anthropic_key: { detectors: [anthropicKey], what: 'an Anthropic API key' },
  openai_key: { detectors: [openaiKey], what: 'an OpenAI API key' },
  aws_access_key: { detectors: [awsAccessKey], what: 'an AWS access key id' },
  aws_secret_key: { detectors: [awsSecretKey], what: 'an AWS secret access key' },
  github_token: { detectors: [githubToken], what: 'a GitHub token' },
  google_api_key: { detectors: [googleApiKey], what: 'a Google API key' },
  slack_token: { detectors: [slackToken], what: 'a Slack token' },
  stripe_key: { detectors: [stripeKey], what: 'a Stripe secret key' },
  jwt: { detectors: [jwt], what: 'a JSON Web Token' },
};

export interface EntityOptions {
  entities?: Record<string, Action>;
  action?: Action;
  restore_output?: boolean;
}

/** `pii` and `secrets`: the chosen entities (all by default), each masked or blocked. */
export function entityGuardrail(base: Base, table: Readonly<Record<string, Entity>>, o: EntityOptions, defaultAction: Action): Guardrail {
  const chosen: Record<string, Action> = o.entities ?? Object.fromEntries(Object.keys(table).map((k) => [k, o.action ?? defaultAction]));
  const rules: Rule[] = [];
  for (const [name, action] of Object.entries(chosen)) {
    for (const detector of table[name].detectors) {
      rules.push({ detector, name, action, guardrail: base.name, reason: `Content blocked: ${table[name].what} detected.` });
    }
  }
  return { ...base, scanner: new Scanner(rules), restoreOutput: o.restore_output === true };
}

export interface KeywordOptions {
  words: Array<string | { keyword: string; action?: Action }>;
  action?: Action;
  match?: 'word' | 'substring';
}

export function keywordGuardrail(base: Base, o: KeywordOptions): Guardrail {
  const byAction = new Map<Action, string[]>();
  for (const w of o.words) {
    const keyword = typeof w === 'string' ? w : w.keyword;
    const action = (typeof w === 'string' ? undefined : w.action) ?? o.action ?? 'block';
    byAction.set(action, [...(byAction.get(action) ?? []), keyword]);
  }
  const rules: Rule[] = [...byAction].map(([action, words]) => ({
    detector: keywordDetector(words, o.match ?? 'word'), name: 'keyword', action, guardrail: base.name, reason: 'Content blocked: a denied keyword was found.',
  }));
  return { ...base, scanner: new Scanner(rules) };
}

export interface RegexOptions {
  patterns: Array<{ name: string; pattern: string; flags?: string; action?: Action; max_length?: number }>;
  action?: Action;
}

export function regexGuardrail(base: Base, o: RegexOptions): Guardrail {
  const rules: Rule[] = o.patterns.map((p) => ({
    detector: regexDenyDetector(p.name, p.pattern, p.flags ?? 'i', p.max_length),
    name: p.name, action: p.action ?? o.action ?? 'block', guardrail: base.name, reason: `Content blocked: ${p.name} pattern detected.`,
  }));
  return { ...base, scanner: new Scanner(rules) };
}

export interface InjectionOptions {
  threshold?: number;
  roles?: string[];
}

/** Blocks when any text from the given roles (user and tool results by default) scores at or above the threshold (0.75). */
export function injectionGuardrail(base: Base, o: InjectionOptions): Guardrail {
  const threshold = o.threshold ?? 0.75;
  const roles = new Set(o.roles ?? ['user', 'tool']);
  return {
    ...base,
    check(input: GuardrailInput): Verdict {
      for (let i = 0; i < input.texts.length; i++) {
        if (!roles.has(input.roles[i])) continue;
        const { score } = scorePromptInjection(input.texts[i]);
        if (score >= threshold) return { action: 'block', reason: `Possible prompt injection detected (score ${score.toFixed(2)}).`, rule: 'prompt_injection' };
      }
      return { action: 'pass' };
    },
  };
}

export interface LimitOptions {
  max_input_chars?: number;
  max_input_tokens?: number;
  max_messages?: number;
}

/** Input size limits; tokens are estimated (see `estimateTokens`). */
export function limitsGuardrail(base: Base, o: LimitOptions): Guardrail {
  return {
    ...base,
    check(input: GuardrailInput): Verdict {
      const messages = Array.isArray(input.request.messages) ? input.request.messages.length : 0;
      if (o.max_messages !== undefined && messages > o.max_messages) {
        return { action: 'block', reason: `Too many messages: ${messages}, the limit is ${o.max_messages}.`, rule: 'max_messages' };
      }
      let chars = 0;
      let tokens = messages * TOKENS_PER_MESSAGE;
      for (const t of input.texts) {
        chars += t.length;
        tokens += estimateTokens(t.length);
      }
      if (o.max_input_chars !== undefined && chars > o.max_input_chars) {
        return { action: 'block', reason: `Input too large: ${chars} characters, the limit is ${o.max_input_chars}.`, rule: 'max_input_chars' };
      }
      if (o.max_input_tokens !== undefined && tokens > o.max_input_tokens) {
        return { action: 'block', reason: `Input too large: about ${tokens} tokens, the limit is ${o.max_input_tokens}.`, rule: 'max_input_tokens' };
      }
      return { action: 'pass' };
    },
  };
}

/** post_call: the answer must match the request's `response_format` JSON schema. */
export function jsonSchemaGuardrail(base: Base, o: { retry?: boolean }): Guardrail & { retry: boolean } {
  return {
    ...base,
    retry: o.retry === true,
    check(input: GuardrailInput): Verdict {
      const r = checkJsonSchema(input.request, input.response as ChatCompletion);
      return r.ok ? { action: 'pass' } : { action: 'block', reason: r.reason, rule: 'json_schema' };
    },
  };
}

export function webhookGuardrail(base: Base, o: WebhookOptions): Guardrail {
  const client = new WebhookClient(o);
  return { ...base, check: (input) => client.check(input) };
}
