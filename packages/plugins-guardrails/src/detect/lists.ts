import { regexDetector, type Detector } from './detector.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD_EDGE = /[\p{L}\p{N}_]/u;

/**
 * A keyword deny list as one compiled alternation, case-insensitive. `word` matching (the
 * default) needs a word boundary on each side where the keyword itself starts or ends with a
 * letter or digit, so "class" does not match "classic"; `substring` is LiteLLM's content-filter
 * matching (`keyword in text.lower()`). `detail` is the keyword as configured, lower-cased.
 */
export function keywordDetector(keywords: readonly string[], match: 'word' | 'substring' = 'word'): Detector {
  const words = [...new Set(keywords.map((k) => k.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  if (!words.length) throw new Error('a keyword list needs at least one keyword');
  const alternatives = words.map((w) => {
    let p = escape(w).replace(/\s+/g, '\\s+');
    if (match === 'word') {
      if (WORD_EDGE.test(w[0])) p = String.raw`(?<![\p{L}\p{N}_])` + p;
      if (WORD_EDGE.test(w[w.length - 1])) p += String.raw`(?![\p{L}\p{N}_])`;
    }
    return p;
  });
  const lower = new Map(words.map((w) => [w.toLowerCase().replace(/\s+/g, ' '), w.toLowerCase()]));
  return regexDetector({
    type: 'keyword',
    re: new RegExp(alternatives.join('|'), 'giu'),
    // Whitespace inside a keyword may stretch; allow for it.
    maxLength: words[0].length * 2,
    chars: null,
    accept: (m) => lower.get(m[0].toLowerCase().replace(/\s+/g, ' ')) ?? m[0].toLowerCase(),
  });
}

/**
 * One user regex. Flags default to `i` (LiteLLM compiles with re.IGNORECASE); `g` is added.
 * `maxLength` bounds the matches a stream window waits for (default 128 characters).
 */
export function regexDenyDetector(name: string, pattern: string, flags = 'i', maxLength = 128): Detector {
  const f = flags.includes('g') ? flags : flags + 'g';
  return regexDetector({ type: name, re: new RegExp(pattern, f), maxLength, chars: null });
}
