import type { Span } from '../types.js';
import { cardBrand, luhn, validIban, validSsn } from './checksums.js';
import { charSet, numericDetector, regexDetector, type Detector } from './detector.js';

/*
 * PII detectors. Each finds candidates with one precompiled regex and keeps only those that pass
 * a real check (Luhn, mod-97, SSA ranges, address syntax), so plain numbers, dates and version
 * strings stay out.
 */

const LOCAL_CHAR = charSet('A-Za-z0-9._%+-');
const EMAIL_CHARS = charSet('A-Za-z0-9._%+@-');
// After the `@`: dot-separated DNS labels ending in an alphabetic TLD, not glued to more word.
const DOMAIN = /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;

/**
 * Email addresses. The text is searched for `@` (memchr-fast), then the local part is read
 * backwards and the domain matched forwards: no regex runs over text that has no `@`.
 */
export const email: Detector = {
  type: 'email',
  maxLength: 64 + 1 + 190,
  chars: EMAIL_CHARS,
  find(text: string, out: Span[]) {
    let at = text.indexOf('@');
    while (at !== -1) {
      let start = at;
      while (start > 0 && at - start < 64) {
        const c = text.charCodeAt(start - 1);
        if (c >= 128 || LOCAL_CHAR.ascii[c] !== 1) break;
        start--;
      }
      // The local part must start and end with a letter or digit: no ".a@", "a.@", "..".
      while (start < at && !isAlnum(text.charCodeAt(start))) start++;
      let next = at + 1;
      if (start < at && isAlnum(text.charCodeAt(at - 1)) && !text.slice(start, at).includes('..')) {
        DOMAIN.lastIndex = at + 1;
        const m = DOMAIN.exec(text);
        if (m) {
          const end = at + 1 + m[0].length;
          out.push({ type: 'email', start, end, value: text.slice(start, end) });
          next = end;
        }
      }
      at = text.indexOf('@', next);
    }
  },
};

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const DIGIT_CHARS = charSet('0-9 ().+-');

/**
 * Phone numbers: E.164 (`+` and 8-15 digits, optionally grouped), North American numbers with
 * separators or a bracketed area code, and national numbers with a trunk `0` and separators
 * (`020 7946 0958`, `01 23 45 67 89`). A bare run of digits is not a phone number.
 */
export const phone: Detector = numericDetector({
  type: 'phone',
  re: new RegExp(
    String.raw`(?<![\w+.\-/\\])(?<!\d[ .\-])(?:` +
      // International: +CC then groups, separated by space, dot or dash, an area code in brackets allowed.
      String.raw`\+[1-9]\d{0,3}(?:[ .\-]?\(\d{1,4}\)|[ .\-]?\d{1,6}){1,6}` +
      // NANP: optional 1, area code [2-9]xx bracketed or followed by a separator, exchange [2-9]xx.
      String.raw`|(?:1[ .\-])?(?:\([2-9]\d\d\)[ .\-]?|[2-9]\d\d[ .\-])[2-9]\d\d[ .\-]\d{4}` +
      // National with trunk prefix 0: groups separated by space or dash, or five dotted pairs.
      String.raw`|\(?0\d{1,4}\)?(?:[ \-]\d{2,8}){1,4}|0\d(?:\.\d\d){4}` +
      String.raw`)(?![\w]|[.\-/]\d)`,
    'y',
  ),
  maxLength: 32,
  chars: DIGIT_CHARS,
  accept(m) {
    const digits = countDigits(m[0]);
    return m[0][0] === '+' ? digits >= 8 && digits <= 15 : digits >= 9 && digits <= 12;
  },
});

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/**
 * Payment card numbers: 13-19 digits, contiguous or in the printed groupings (4-4-4-4[-3],
 * 4-6-5, 4-6-4) with one consistent separator, passing Luhn and starting with a known issuer
 * prefix. `detail` is the brand (visa, mastercard, amex, discover, jcb, diners, unionpay, maestro).
 */
export const creditCard: Detector = numericDetector({
  type: 'credit_card',
  re: new RegExp(
    String.raw`(?<![\w.+\-])(?<!\d[ \-])(?:\d{13,19}` +
      String.raw`|\d{4}([ \-])\d{4}\1\d{4}\1\d{1,7}(?:\1\d{1,3})?` +
      String.raw`|\d{4}([ \-])\d{6}\2\d{4,5}` +
      String.raw`)(?![\w]|[.\-]\d)`,
    'y',
  ),
  maxLength: 23,
  chars: charSet('0-9 -'),
  accept(m) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhn(digits)) return false;
    if (/^(\d)\1+$/.test(digits)) return false;
    return cardBrand(digits) ?? false;
  },
});

/**
 * IBANs, electronic (`DE89370400440532013000`) or printed in groups of four; the country's
 * registered length and the mod-97 check must both hold.
 */
export const iban: Detector = regexDetector({
  type: 'iban',
  re: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])/g,
  maxLength: 42,
  chars: charSet('A-Z0-9 '),
  accept: (m) => validIban(m[0]),
});

/**
 * US Social Security numbers written `AAA-GG-SSSS` (or with spaces), outside the ranges the SSA
 * never issues (area 000, 666, 900-999; group 00; serial 0000).
 */
export const usSsn: Detector = numericDetector({
  type: 'us_ssn',
  re: /(?<![\w\-.])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|[.\-]\d)/y,
  maxLength: 11,
  chars: charSet('0-9 -'),
  accept: (m) => validSsn(m[1], m[3], m[4]),
});

/** Nine digits in a row passing the same ranges: LiteLLM's `us_ssn_no_dash` (noisy; opt-in only). */
export const usSsnNoDash: Detector = numericDetector({
  type: 'us_ssn',
  re: /(?<![\w\-.])(\d{3})(\d{2})(\d{4})(?![\w]|[.\-]\d)/y,
  maxLength: 9,
  chars: charSet('0-9'),
  accept: (m) => validSsn(m[1], m[2], m[3]),
});

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const VERSION_BEFORE = /\b(?:version|release|build|ver\.?|v)\s*$/i;

/**
 * IPv4 addresses in dotted-quad form, octets 0-255 without leading zeros. Not a version string:
 * no fifth part, no letter glued before it, no "version", "build" or "v" just before.
 */
export const ipv4: Detector = numericDetector({
  type: 'ipv4',
  re: new RegExp(String.raw`(?<![\w.\-:])(?:${OCTET}\.){3}${OCTET}(?![\w\-]|\.\d)`, 'y'),
  maxLength: 15,
  chars: charSet('0-9.'),
  accept: (m, text) => !VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 10), m.index)),
});

const IPV6 = /(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/y;
const HEX_COLON = charSet('0-9A-Fa-f:.');
const WORDISH = charSet('A-Za-z0-9_:.');

/**
 * IPv6 addresses: eight groups, or fewer with one `::`, optionally ending in a dotted quad. A
 * compressed form needs a group of 3+ hex digits (or is `::1`), so times, MAC addresses and
 * slices like `a[1::2]` are not addresses. Only text around a `:` is looked at.
 */
export const ipv6: Detector = {
  type: 'ipv6',
  maxLength: 45,
  chars: HEX_COLON,
  find(text: string, out: Span[]) {
    let colon = text.indexOf(':');
    while (colon !== -1) {
      // Back up over the hex digits of the first group (at most 4).
      let start = colon;
      while (start > 0 && colon - start < 4 && isHex(text.charCodeAt(start - 1))) start--;
      let next = colon + 1;
      const before = start > 0 ? text.charCodeAt(start - 1) : 32;
      if (!(before < 128 && WORDISH.ascii[before] === 1)) {
        IPV6.lastIndex = start;
        const m = IPV6.exec(text);
        if (m && validIpv6(m[0])) {
          out.push({ type: 'ipv6', start, end: start + m[0].length, value: m[0] });
          next = start + m[0].length;
        }
      }
      colon = text.indexOf(':', next);
    }
  },
};

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const V4_TAIL = new RegExp(String.raw`^(?:${OCTET}\.){3}${OCTET}$`);

export function validIpv6(s: string): boolean {
  if (s.includes(':::')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups: string[] = [];
  for (const h of halves) if (h) groups.push(...h.split(':'));
  if (groups.some((g) => g === '')) return false;
  let width = groups.length;
  const last = groups[groups.length - 1];
  if (last?.includes('.')) {
    if (!V4_TAIL.test(last)) return false;
    width += 1;
  }
  for (let i = 0; i < groups.length - (last?.includes('.') ? 1 : 0); i++) if (!/^[0-9A-Fa-f]{1,4}$/.test(groups[i])) return false;
  if (halves.length === 1) return width === 8;
  if (width > 7) return false;
  return s === '::1' || groups.some((g) => g.length >= 3);
}
