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
  /** Append the spans found in `text` to `out`, in order. */
  find(text: string, out: Span[]): void;
  /** What a stream window runs instead, when a whole match is too long to hold back (its matches always block). */
  readonly streamForm?: Detector;
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
  const { type, re, accept } = spec;
  if (!re.global) throw new Error(`detector ${type}: the pattern needs the g flag`);
  return {
    type,
    maxLength: spec.maxLength,
    chars: spec.chars,
    streamForm: spec.streamForm,
    find(text, out) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const verdict = accept ? accept(m, text) : true;
        if (verdict === false) {
          // A rejected candidate may hide a valid one starting inside it.
          re.lastIndex = m.index + 1;
          continue;
        }
        const span: Span = { type, start: m.index, end: m.index + m[0].length, value: m[0] };
        if (typeof verdict === 'string') span.detail = verdict;
        out.push(span);
      }
    },
  };
}

/** Characters that make up words, tokens and keys (no whitespace, no sentence punctuation). */
export const TOKEN_CHARS = charSet('A-Za-z0-9_-');
