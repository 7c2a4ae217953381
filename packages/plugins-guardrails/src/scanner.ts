import type { Detector, ScanShared } from './detect/detector.js';
import type { Action, Finding, Span } from './types.js';
import type { MaskSession } from './mask.js';

/** What a guardrail does with one kind of finding. */
export interface Rule {
  detector: Detector;
  /** Names the finding: placeholder label, block reason, LiteLLM pattern name. */
  name: string;
  action: Action;
  guardrail: string;
  /** Client-safe reason given when this rule blocks. */
  reason: string;
  /** Narrow a shared detector (a card detector serving `visa` only). */
  accept?: (span: Span) => boolean;
  /** A fixed replacement (LiteLLM's `[EMAIL_REDACTED]`); default: a numbered placeholder from the session. */
  replacement?: string;
}

interface Group {
  detector: Detector;
  rules: Rule[];
}

/**
 * Runs a set of rules over text. Each detector runs once however many rules share it (`visa`
 * and `amex` both read the card detector's output).
 */
export class Scanner {
  private readonly groups: Group[] = [];
  readonly rules: readonly Rule[];

  constructor(rules: readonly Rule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const g = this.groups.find((x) => x.detector === rule.detector);
      if (g) g.rules.push(rule);
      else this.groups.push({ detector: rule.detector, rules: [rule] });
    }
  }

  get detectors(): Detector[] {
    return this.groups.map((g) => g.detector);
  }

  /** Every finding, overlaps included, ordered by start (longer first on a tie). */
  findAll(text: string): Finding[] {
    const found: Finding[] = [];
    if (!text) return found;
    const spans: Span[] = [];
    const shared: ScanShared = {};
    for (const g of this.groups) {
      spans.length = 0;
      g.detector.find(text, spans, shared);
      for (const s of spans) {
        const rule = g.rules.length === 1 && !g.rules[0].accept ? g.rules[0] : g.rules.find((r) => !r.accept || r.accept(s));
        if (rule) found.push(toFinding(s, rule));
      }
    }
    if (found.length > 1) found.sort(byPosition);
    return found;
  }

  /**
   * The findings to act on: the first block if any rule blocks (nothing else matters then),
   * else the masks, overlaps settled leftmost-longest.
   */
  scan(text: string): Finding[] {
    const all = this.findAll(text);
    if (all.length === 0) return all;
    const block = all.find((f) => f.action === 'block');
    return block ? [block] : nonOverlapping(all);
  }
}

function toFinding(s: Span, rule: Rule): Finding {
  const f: Finding = { type: s.type, start: s.start, end: s.end, value: s.value, guardrail: rule.guardrail, rule: rule.name, action: rule.action };
  if (s.detail !== undefined) f.detail = s.detail;
  if (rule.replacement !== undefined) f.replacement = rule.replacement;
  if (rule.action === 'block') f.reason = rule.reason;
  return f;
}

function byPosition(a: Span, b: Span): number {
  return a.start - b.start || b.end - a.end;
}

/** Leftmost-longest, non-overlapping; input sorted by `byPosition`. */
export function nonOverlapping(sorted: Finding[]): Finding[] {
  const out: Finding[] = [];
  let end = -1;
  for (const f of sorted) {
    if (f.start >= end) {
      out.push(f);
      end = f.end;
    }
  }
  return out;
}

const ESCAPE_LETTERS = 'nrtbf';

/**
 * Replace the findings (sorted, non-overlapping) in `text`, or in `text.slice(from, to)`: each
 * gets its fixed replacement or a numbered placeholder from the session, recorded on the finding.
 */
export function applyMasks(text: string, findings: readonly Finding[], session: MaskSession, from = 0, to = text.length): string {
  let out = '';
  let at = from;
  for (const f of findings) {
    // In raw JSON text (a streamed tool call), `\n` then `jane@x.io` reads as "njane@x.io": keep the escape's letter.
    const start = f.start > 0 && text.charCodeAt(f.start - 1) === 92 && ESCAPE_LETTERS.includes(text[f.start]) ? f.start + 1 : f.start;
    const replacement = f.replacement ?? session.placeholder(f.rule, text.slice(start, f.end));
    f.replacement = replacement;
    out += text.slice(at, start) + replacement;
    at = f.end;
  }
  return out + text.slice(at, to);
}
