import type { Span } from '../types.js';

/**
 * A detector finds spans of one kind in text. Patterns are compiled once, when the detector is
 * made; `find` allocates only for what it finds.
 */
export interface Detector {
  readonly type: string;
  /** The longest text one match can cover: bounds what a stream window holds back. */
  readonly maxLength: number;
  /**
   * The characters a match may contain. A character outside the set ends any match in progress,
   * so a stream window need not hold text before it. `null`: any character (held by maxLength).
   */
  readonly chars: CharSet | null;
  /** Append the spans found in `text` to `out`, in order. `shared` carries work detectors share within one scan. */
  find(text: string, out: Span[], shared?: ScanShared): void;
  /** What a stream window runs instead, when a whole match is too long to hold back (its matches always block). */
  readonly streamForm?: Detector;
}

/** Per-scan scratch shared by detectors over the same text (computed by the first that needs it). */
export interface ScanShared {
  numberStarts?: number[];
}

/** ASCII membership table; characters above 127 are members when `nonAscii` is set. */
export interface CharSet {
  readonly ascii: Uint8Array;
  readonly nonAscii: boolean;
}

export function charSet(ranges: string, nonAscii = false): CharSet {
  const ascii = new Uint8Array(128);
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i + 1] === '-' && i + 2 < ranges.length) {
      for (let c = ranges.charCodeAt(i); c <= ranges.charCodeAt(i + 2); c++) ascii[c] = 1;
      i += 2;
    } else ascii[ranges.charCodeAt(i)] = 1;
  }
  return { ascii, nonAscii };
}

export function inSet(set: CharSet, code: number): boolean {
  return code < 128 ? set.ascii[code] === 1 : set.nonAscii;
}

export interface RegexDetectorSpec {
  type: string;
  /** Must have the `g` flag; compiled once. */
  re: RegExp;
  maxLength: number;
  chars: CharSet | null;
  /** Reject a candidate (`false`) or accept it, optionally naming a detail (`'visa'`). */
  accept?: (m: RegExpExecArray, text: string) => boolean | string;
  streamForm?: Detector;
}

export function regexDetector(spec: RegexDetectorSpec): Detector {
  const { re } = spec;
  return detector(spec, 'global', (text, out) => {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      // A rejected candidate may hide a valid one starting inside it.
      if (!take(spec, m, text, out)) re.lastIndex = m.index + 1;
    }
  });
}

function detector(spec: RegexDetectorSpec, flag: 'global' | 'sticky', find: Detector['find']): Detector {
  if (!spec.re[flag]) throw new Error(`detector ${spec.type}: the pattern needs the ${flag === 'global' ? 'g' : 'y'} flag`);
  return { type: spec.type, maxLength: spec.maxLength, chars: spec.chars, streamForm: spec.streamForm, find };
}

/** Validate a candidate and record it; false when rejected. */
function take(spec: RegexDetectorSpec, m: RegExpExecArray, text: string, out: Span[]): boolean {
  const verdict = spec.accept ? spec.accept(m, text) : true;
  if (verdict === false) return false;
  const span: Span = { type: spec.type, start: m.index, end: m.index + m[0].length, value: m[0] };
  if (typeof verdict === 'string') span.detail = verdict;
  out.push(span);
  return true;
}

/** Characters that make up words, tokens and keys (no whitespace, no sentence punctuation). */
export const TOKEN_CHARS = charSet('A-Za-z0-9_-');

/**
 * Where a number may begin: each run of digits not glued to a word, and a `+` or `(` just before it. One loop over the text, shared by every numeric detector; a regex here would pay
 * its per-match cost on every number of a digit-heavy prompt.
 */
export function numberStarts(text: string, shared?: ScanShared): number[] {
  if (shared?.numberStarts) return shared.numberStarts;
  const starts: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    const prev = i > 0 ? text.charCodeAt(i - 1) : 32;
    if (!isWordChar(prev)) {
      // "+1 415..." and "(415) ..." are tried from the sign or bracket, then from the digit ("(4111 1111 ...)").
      if (prev === 43 /* + */ || prev === 40 /* ( */) starts.push(i - 1);
      starts.push(i);
    }
    while (i + 1 < n && isDigit(text.charCodeAt(i + 1))) i++;
  }
  if (shared) shared.numberStarts = starts;
  return starts;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * A detector for numbers (cards, phones, SSNs, IPv4): its sticky pattern is tried only where a
 * number starts, from one shared pass, instead of each pattern scanning the whole text.
 */
export function numericDetector(spec: RegexDetectorSpec): Detector {
  const { re } = spec;
  return detector(spec, 'sticky', (text, out, shared) => {
    let after = 0;
    for (const p of numberStarts(text, shared)) {
      if (p < after) continue;
      re.lastIndex = p;
      const m = re.exec(text);
      if (m && take(spec, m, text, out)) after = p + m[0].length;
    }
  });
}
