import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@tollgate/core';
import { parse as parseYaml } from 'yaml';
import type { Base } from '../builtins.js';
import { regexDetector, type Detector } from '../detect/detector.js';
import { keywordDetector } from '../detect/lists.js';
import { creditCard, email, iban, ipv4, ipv6, phone, usSsn, usSsnNoDash } from '../detect/pii.js';
import { awsAccessKey, awsSecretKey, githubToken, slackToken } from '../detect/secrets.js';
import type { Guardrail } from '../guardrail.js';
import { Scanner, type Rule } from '../scanner.js';
import type { Action, Span } from '../types.js';
import { WebhookClient } from '../webhook.js';

/*
 * LiteLLM's built-in content filter, config unchanged. Source: BerriAI/litellm
 * litellm/proxy/guardrails/guardrail_hooks/litellm_content_filter/content_filter.py (behaviour,
 * redaction tags, block messages), patterns.json (prebuilt names), litellm/types/guardrails.py
 * (ContentFilterPattern, BlockedWord, ContentFilterConfigModel) and
 * docs/my-website/docs/proxy/guardrails/litellm_content_filter.md.
 *
 * Differences, on purpose: prebuilt patterns run on Tollgate's validated detectors (a card must
 * pass Luhn, an SSN the SSA ranges, an IBAN mod-97), so they find fewer false positives than
 * LiteLLM's bare regexes; a keyword block names the keyword's description, not the keyword.
 */

interface Prebuilt {
  detector: Detector;
  accept?: (s: Span) => boolean;
}

const brand = (b: string) => (s: Span) => s.detail === b;
// NANP: +1 or no country code and no trunk 0.
const usPhone = (s: Span) => (s.value.startsWith('+') ? /^\+1(?:[ .(-]|\d{10}$)/.test(s.value) : !/^\(?0/.test(s.value));

const genericApiKey = regexDetector({
  type: 'generic_api_key',
  re: /(?<![A-Za-z0-9])api[-_]?key["']?\s*[:=]\s*["']?[A-Za-z0-9_-]{20,}["']?/gi,
  maxLength: 300,
  chars: null,
});

const url = regexDetector({
  type: 'url',
  re: /(?<![\w@])(?:https?:\/\/|www\.)[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/gi,
  maxLength: 2048,
  chars: null,
});

/** LiteLLM prebuilt pattern names Tollgate serves, on its own detectors (patterns.json names). */
export const LITELLM_PREBUILT: Readonly<Record<string, Prebuilt>> = {
  us_ssn: { detector: usSsn },
  us_ssn_no_dash: { detector: usSsnNoDash },
  email: { detector: email },
  us_phone: { detector: phone, accept: usPhone },
  visa: { detector: creditCard, accept: brand('visa') },
  mastercard: { detector: creditCard, accept: brand('mastercard') },
  amex: { detector: creditCard, accept: brand('amex') },
  discover: { detector: creditCard, accept: brand('discover') },
  credit_card: { detector: creditCard },
  aws_access_key: { detector: awsAccessKey },
  aws_secret_key: { detector: awsSecretKey },
  github_token: { detector: githubToken },
  slack_token: { detector: slackToken },
  generic_api_key: { detector: genericApiKey },
  ipv4: { detector: ipv4 },
  ipv6: { detector: ipv6 },
  url: { detector: url },
  iban: { detector: iban },
  eu_iban_enhanced: { detector: iban },
};

export interface ContentFilterParams {
  patterns?: Array<{ pattern_type: 'prebuilt' | 'regex'; pattern_name?: string; pattern?: string; name?: string; action: 'BLOCK' | 'MASK' }>;
  blocked_words?: Array<{ keyword: string; action: 'BLOCK' | 'MASK'; description?: string }>;
  blocked_words_file?: string;
  pattern_redaction_format?: string;
  keyword_redaction_tag?: string;
  categories?: unknown;
}

const act = (a: 'BLOCK' | 'MASK'): Action => (a === 'BLOCK' ? 'block' : 'mask');

export function contentFilterGuardrail(base: Base, p: ContentFilterParams, where: string, baseDir: string): Guardrail {
  if (p.categories !== undefined) {
    throw new ConfigError(`${where}.categories: LiteLLM's content categories are not available in Tollgate; use patterns or blocked_words.`);
  }
  // content_filter.py: PATTERN_REDACTION_FORMAT = "[{pattern_name}_REDACTED]", KEYWORD_REDACTION_STR = "[KEYWORD_REDACTED]".
  const format = p.pattern_redaction_format ?? '[{pattern_name}_REDACTED]';
  const keywordTag = p.keyword_redaction_tag ?? '[KEYWORD_REDACTED]';
  const rules: Rule[] = [];
  (p.patterns ?? []).forEach((pat, i) => {
    const at = `${where}.patterns[${i}]`;
    let detector: Detector;
    let accept: ((s: Span) => boolean) | undefined;
    let name: string;
    if (pat.pattern_type === 'prebuilt') {
      if (!pat.pattern_name) throw new ConfigError(`${at}.pattern_name: is required for prebuilt patterns`);
      const known = LITELLM_PREBUILT[pat.pattern_name];
      if (!known) {
        throw new ConfigError(`${at}.pattern_name: "${pat.pattern_name}" is not a prebuilt pattern Tollgate provides; available: ${Object.keys(LITELLM_PREBUILT).join(', ')}. Use pattern_type: regex for others.`);
      }
      ({ detector, accept } = known);
      name = pat.pattern_name;
    } else {
      if (!pat.pattern) throw new ConfigError(`${at}.pattern: is required for regex patterns`);
      name = pat.name ?? 'custom_regex';
      try {
        // LiteLLM compiles custom patterns with re.IGNORECASE.
        detector = regexDetector({ type: name, re: new RegExp(pat.pattern, 'gi'), maxLength: 128, chars: null });
      } catch (err) {
        throw new ConfigError(`${at}.pattern: is not a valid regular expression (${(err as Error).message})`);
      }
    }
    rules.push({
      detector, accept, name, action: act(pat.action), guardrail: base.name,
      reason: `Content blocked: ${name} pattern detected`,
      replacement: format.replace('{pattern_name}', name.toUpperCase()),
    });
  });
  const words = [...(p.blocked_words ?? []), ...(p.blocked_words_file ? readWordsFile(p.blocked_words_file, `${where}.blocked_words_file`, baseDir) : [])];
  for (const w of words) {
    rules.push({
      // LiteLLM matches `keyword in text.lower()`: substring, case-insensitive.
      detector: keywordDetector([w.keyword], 'substring'),
      name: 'keyword', action: act(w.action), guardrail: base.name,
      reason: `Content blocked: keyword detected${w.description ? ` (${w.description})` : ''}`,
      replacement: keywordTag,
    });
  }
  return { ...base, scanner: new Scanner(rules) };
}

function readWordsFile(file: string, where: string, baseDir: string): NonNullable<ContentFilterParams['blocked_words']> {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path.resolve(baseDir, file), 'utf8'));
  } catch (err) {
    throw new ConfigError(`${where}: could not read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const list = (data as { blocked_words?: unknown } | null)?.blocked_words;
  if (!Array.isArray(list)) throw new ConfigError(`${where}: ${file} must contain a blocked_words list`);
  return list.map((w, i) => {
    const e = w as { keyword?: unknown; action?: unknown; description?: unknown };
    if (typeof e?.keyword !== 'string' || (e.action !== 'BLOCK' && e.action !== 'MASK')) {
      throw new ConfigError(`${where}: ${file} blocked_words[${i}] needs keyword and action (BLOCK or MASK)`);
    }
    return { keyword: e.keyword, action: e.action, description: typeof e.description === 'string' ? e.description : undefined };
  });
}

export interface GenericApiParams {
  api_base?: string;
  api_key?: string;
  headers?: Record<string, string>;
  additional_provider_specific_params?: Record<string, unknown>;
  unreachable_fallback?: 'fail_open' | 'fail_closed';
  timeout?: number;
}

const ENDPOINT = '/beta/litellm_basic_guardrail_api';

/**
 * LiteLLM's `generic_guardrail_api`: `api_base` (or GENERIC_GUARDRAIL_API_BASE) with the endpoint
 * path appended unless present, `headers`, `additional_provider_specific_params`, and
 * `unreachable_fallback` (fail_closed by default; fail_open only when the service is unreachable
 * or answers 502/503/504), as in generic_guardrail_api.py and its example_config.yaml.
 * `api_key`, when set, is sent as a Bearer token unless `headers` set Authorization.
 */
export function genericApiGuardrail(base: Base, p: GenericApiParams, where: string, env: NodeJS.ProcessEnv, onFailOpen?: (e: Error) => void): Guardrail {
  const apiBase = p.api_base ?? env.GENERIC_GUARDRAIL_API_BASE;
  if (!apiBase) throw new ConfigError(`${where}.api_base: is required (or set GENERIC_GUARDRAIL_API_BASE)`);
  const url = apiBase.endsWith(ENDPOINT) ? apiBase : apiBase.replace(/\/+$/, '') + ENDPOINT;
  const headers: Record<string, string> = { ...p.headers };
  if (p.api_key && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${p.api_key}`;
  const client = new WebhookClient({
    url, headers,
    timeoutMs: Math.round((p.timeout ?? 10) * 1000),
    onError: p.unreachable_fallback ?? 'fail_closed',
    failOpenOn: 'unreachable',
    params: p.additional_provider_specific_params,
    onFailOpen,
  });
  return { ...base, check: (input) => client.check(input) };
}
