import { inSet, type CharSet } from './detect/detector.js';
import { MaskSession } from './mask.js';
import { applyMasks, nonOverlapping, Scanner, type Rule } from './scanner.js';
import type { Finding } from './types.js';

export interface WindowResult {
  /** Text safe to send now (masks applied). */
  release: string;
  /** Set once: a blocking rule matched; `release` ends where the offending text begins. */
  violation?: Finding;
}

/** Released text kept for lookbehinds and context checks (an AWS secret's "aws" before it). */
const CONTEXT = 64;

interface Hold {
  chars: CharSet | null;
  maxLength: number;
}

/**
 * A sliding window over streamed text. It releases text as soon as no rule could still match
 * across it, and holds back the rest: for a detector whose matches are made of a known set of
 * characters (keys, emails, card numbers), only the trailing run of such characters; for one that
 * can match anything (keywords, user regexes), its longest match less one character. A match that
 * touches the end of what has arrived is provisional and held from its start. So a secret split
 * across chunks is caught before any of its characters is released.
 *
 * In a stream a private key's BEGIN line is itself the violation (its body is too long to hold).
 */
export class StreamWindow {
  private readonly scanner: Scanner;
  private readonly holds: readonly Hold[];
  private buf = '';
  /** Length of the already-released prefix of `buf` kept as context. */
  private ctx = 0;
  private stopped = false;
  /** The guardrail of the first mask applied to released text (so no cache keeps the answer as the model's). */
  maskedBy: string | null = null;

  constructor(
    rules: readonly Rule[],
    private readonly session: MaskSession = new MaskSession(),
  ) {
    const c = compiled.get(rules) ?? compile(rules);
    this.scanner = c.scanner;
    this.holds = c.holds;
  }

  /** Characters held back now (for tests and metrics). */
  get held(): number {
    return this.buf.length - this.ctx;
  }

  push(text: string): WindowResult {
    if (this.stopped) return { release: '' };
    this.buf += text;
    return this.step(false);
  }

  /** The stream is over: everything left is final. */
  end(): WindowResult {
    if (this.stopped) return { release: '' };
    const r = this.step(true);
    this.stopped = true;
    return r;
  }

  private step(final: boolean): WindowResult {
    const buf = this.buf;
    const ctx = this.ctx;
    let hold = final ? buf.length : this.holdPoint(buf, ctx);
    // Nothing could be released (the chunk continued a word or a number): a violation in the held
    // text is found when its end arrives, before anything of it can be released.
    if (hold <= ctx) return { release: '' };
    const all = this.scanner.findAll(buf).filter((f) => f.end > ctx);
    // A match touching the end of what has arrived may still grow or fail: hold it from its start.
    const settled = final ? all : all.filter((f) => f.end < buf.length || f.start < ctx);
    if (!final) for (const f of all) if (f.end === buf.length && f.start >= ctx && f.start < hold) hold = f.start;
    const block = settled.find((f) => f.action === 'block');
    if (block) {
      const until = Math.max(ctx, Math.min(block.start, hold));
      this.stopped = true;
      this.buf = '';
      return { release: this.masked(buf, ctx, until, settled), violation: block };
    }
    // Never cut through a mask: release up to its start and keep it whole for the next step.
    for (const f of settled) if (f.action === 'mask' && f.start >= ctx && f.start < hold && f.end > hold) hold = f.start;
    const release = this.masked(buf, ctx, hold, settled);
    this.keep(hold);
    return { release };
  }

  private masked(buf: string, ctx: number, until: number, found: Finding[]): string {
    const masks = nonOverlapping(found.filter((f) => f.action === 'mask' && f.start >= ctx && f.end <= until));
    if (masks.length === 0) return buf.slice(ctx, until);
    this.maskedBy ??= masks[0]!.guardrail;
    return applyMasks(buf, masks, this.session, ctx, until);
  }

  /** Drop released text beyond the context, starting the context at a word boundary. */
  private keep(released: number): void {
    let from = Math.max(0, released - CONTEXT);
    if (from > 0) {
      const space = this.buf.slice(from, released).search(/\s/);
      if (space !== -1) from += space + 1;
    }
    this.buf = this.buf.slice(from);
    this.ctx = released - from;
  }

  /** The earliest position any detector may still need: per character set, the trailing run. */
  private holdPoint(buf: string, ctx: number): number {
    let hold = buf.length;
    for (const h of this.holds) {
      const floor = Math.max(ctx, buf.length - h.maxLength + 1);
      let at = floor;
      if (h.chars) {
        for (let i = buf.length - 1; i >= floor; i--) {
          if (!inSet(h.chars, buf.charCodeAt(i))) {
            at = i + 1;
            break;
          }
        }
      }
      if (at < hold) hold = at;
    }
    return hold;
  }
}

/** A rule set's stream scanner and hold sizes, made once per rule set (one window per streamed field and request). */
const compiled = new WeakMap<readonly Rule[], { scanner: Scanner; holds: readonly Hold[] }>();

function compile(rules: readonly Rule[]): { scanner: Scanner; holds: readonly Hold[] } {
  const scanner = new Scanner(rules.map(streamRule));
  const holds: Hold[] = [];
  for (const d of scanner.detectors) {
    const same = holds.find((h) => h.chars === d.chars);
    if (same) same.maxLength = Math.max(same.maxLength, d.maxLength);
    else holds.push({ chars: d.chars, maxLength: d.maxLength });
  }
  const c = { scanner, holds };
  compiled.set(rules, c);
  return c;
}

function streamRule(rule: Rule): Rule {
  const stream = rule.detector.streamForm;
  return stream ? { ...rule, detector: stream, action: 'block' } : rule;
}
