import { entropy } from './checksums.js';
import type { Span } from '../types.js';
import { charSet, regexDetector, TOKEN_CHARS, type Detector } from './detector.js';

/*
 * Credential detectors. Most keys carry a fixed prefix, so each regex starts with a literal and
 * V8 skips text without it quickly. Formats: the providers' documented key prefixes, as also
 * catalogued by gitleaks' default rules (config/gitleaks.toml).
 */

const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
const DIGIT = /\d/;
/** Random keys mix cases and digits; a hyphenated phrase after `sk-` does not. */
const looksRandom = (s: string) => UPPER.test(s) && LOWER.test(s) && DIGIT.test(s);

/** Anthropic API and admin keys: `sk-ant-api03-...`, `sk-ant-admin01-...`. */
export const anthropicKey: Detector = regexDetector({
  type: 'anthropic_key',
  re: /(?<![\w-])sk-ant-[a-z]{2,10}\d{2}-[A-Za-z0-9_-]{20,200}(?![\w-])/g,
  maxLength: 230,
  chars: TOKEN_CHARS,
});

/** OpenAI keys: project (`sk-proj-`), service-account, admin and legacy `sk-` keys. */
export const openaiKey: Detector = regexDetector({
  type: 'openai_key',
  re: /(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}(?![\w-])/g,
  maxLength: 220,
  chars: TOKEN_CHARS,
  accept: (m) => looksRandom(m[0].slice(3)),
});

/** AWS access key ids: long-term (AKIA), temporary (ASIA) and the two older prefixes. */
export const awsAccessKey: Detector = regexDetector({
  type: 'aws_access_key',
  re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  maxLength: 20,
  chars: charSet('A-Z0-9'),
});

const AWS_CONTEXT = /aws|secret/i;

const AWS_SECRET_CHARS = charSet('A-Za-z0-9/+');

/**
 * AWS secret access keys have no prefix: 40 base64 characters. A heuristic: mixed case and a
 * digit, and either "aws"/"secret" in the 64 characters before it, or high entropy (>= 4.5
 * bits per character) with a `/` or `+` as random base64 almost always has.
 */
export const awsSecretKey: Detector = {
  type: 'aws_secret_key',
  maxLength: 40,
  chars: charSet('A-Za-z0-9/+='),
  find(text: string, out: Span[]) {
    const table = AWS_SECRET_CHARS.ascii;
    const member = (k: number) => {
      const c = text.charCodeAt(k);
      return c < 128 && table[c] === 1;
    };
    // Look at the 40th character first: if it is not base64, no run of 40 covers it and we jump
    // past it; prose usually has a space within a few characters back, so most text is skipped.
    let i = 0;
    while (i + 40 <= text.length) {
      let j = i + 39;
      while (j >= i && member(j)) j--;
      if (j >= i) {
        i = j + 1;
        continue;
      }
      let end = i + 40;
      while (end < text.length && member(end)) end++;
      if (end - i === 40 && text.charCodeAt(end) !== 61 /* = */ && (i === 0 || !member(i - 1))) {
        const s = text.slice(i, end);
        if (isAwsSecret(s, text, i)) out.push({ type: 'aws_secret_key', start: i, end, value: s });
      }
      i = end + 1;
    }
  },
};

function isAwsSecret(s: string, text: string, start: number): boolean {
  if (!looksRandom(s)) return false;
  if (AWS_CONTEXT.test(text.slice(Math.max(0, start - 64), start))) return true;
  return (s.includes('/') || s.includes('+')) && entropy(s) >= 4.5;
}

/** GitHub tokens: classic (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and fine-grained (`github_pat_`). */
export const githubToken: Detector = regexDetector({
  type: 'github_token',
  re: /(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![\w])/g,
  maxLength: 266,
  chars: TOKEN_CHARS,
});

/** Google API keys: `AIza` and 35 more characters. */
export const googleApiKey: Detector = regexDetector({
  type: 'google_api_key',
  re: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
  maxLength: 39,
  chars: TOKEN_CHARS,
});

/** Slack tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxo-`, app-level `xapp-`) and incoming-webhook URLs. */
export const slackToken: Detector = regexDetector({
  type: 'slack_token',
  re: /(?<![\w-])(?:xox[abposr]-[0-9A-Za-z-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250}|https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200})(?![\w-])/g,
  maxLength: 240,
  chars: charSet('A-Za-z0-9_/:.-'),
});

/** Stripe secret and restricted keys (live and test) and webhook signing secrets; publishable `pk_` keys are public. */
export const stripeKey: Detector = regexDetector({
  type: 'stripe_key',
  re: /(?<![\w])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,247}|whsec_[A-Za-z0-9]{32,128})(?![\w])/g,
  maxLength: 255,
  chars: TOKEN_CHARS,
});

const PEM_LABEL = String.raw`-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----`;

/**
 * In a stream the BEGIN line alone is the violation: a key's body is too long to hold back, so a
 * stream that starts one is stopped, whatever the rule's action.
 */
export const privateKeyHeader: Detector = regexDetector({
  type: 'private_key',
  re: new RegExp(PEM_LABEL, 'g'),
  maxLength: 80,
  chars: charSet('A-Z0-9 -'),
});

/**
 * PEM private key blocks (PKCS#1, PKCS#8, EC, OpenSSH, PGP), from BEGIN to END; a block cut
 * short (no END line) still counts, with its base64 body.
 */
export const privateKey: Detector = regexDetector({
  type: 'private_key',
  re: new RegExp(
    PEM_LABEL + String.raw`(?:[\s\S]{0,16384}?-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,\-]*)`,
    'g',
  ),
  maxLength: 17000,
  chars: null,
  streamForm: privateKeyHeader,
});

/** JSON Web Tokens: three base64url parts, the first two JSON objects (`eyJ` is `{"`). */
export const jwt: Detector = regexDetector({
  type: 'jwt',
  re: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![\w-])/g,
  maxLength: 8192,
  chars: charSet('A-Za-z0-9_.-'),
});

/** Every secret detector, in the order overlaps are settled. */
export const SECRET_DETECTORS: readonly Detector[] = [
  privateKey, anthropicKey, openaiKey, awsAccessKey, githubToken, googleApiKey, slackToken, stripeKey, jwt, awsSecretKey,
];
