/**
 * Placeholders for masked values, one session per request: the same value gets the same
 * placeholder everywhere in the request (`[EMAIL_1]` in the system prompt and in a tool result),
 * and the restore map turns placeholders in the model's output back into the values.
 */
export class MaskSession {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** Placeholder -> original value. Holds sensitive values: keep it on the request, never log it. */
  readonly restoreMap = new Map<string, string>();

  placeholder(rule: string, value: string): string {
    const label = labelOf(rule);
    const key = label + '\u0000' + value;
    const known = this.byValue.get(key);
    if (known) return known;
    const n = (this.counters.get(label) ?? 0) + 1;
    this.counters.set(label, n);
    const p = `[${label}_${n}]`;
    this.byValue.set(key, p);
    this.restoreMap.set(p, value);
    return p;
  }

  get size(): number {
    return this.restoreMap.size;
  }

  /** Put the original values back where the model repeated a placeholder. */
  restore(text: string): string {
    if (this.restoreMap.size === 0 || !text.includes('[')) return text;
    PLACEHOLDER.lastIndex = 0;
    return text.replace(PLACEHOLDER, (p) => this.restoreMap.get(p) ?? p);
  }
}

const PLACEHOLDER = /\[[A-Z][A-Z0-9_]*_\d+\]/g;
/** Longest placeholder the stream restorer waits for: `[` + 48-character label + `_` + 6 digits + `]`. */
const MAX_PLACEHOLDER = 57;
const PARTIAL = /\[[A-Z0-9_]*$/;

export function labelOf(rule: string): string {
  const l = rule.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48);
  return /^[A-Z]/.test(l) ? l : `X${l}`;
}

/**
 * Restores placeholders in streamed text. A placeholder split across chunks (`[EMA` + `IL_1]`)
 * is held back until it is complete or can no longer be one.
 */
export class StreamRestorer {
  private held = '';

  constructor(private readonly session: MaskSession) {}

  push(text: string): string {
    const s = this.held + text;
    const open = s.lastIndexOf('[');
    if (open !== -1 && s.length - open < MAX_PLACEHOLDER && PARTIAL.test(s.slice(open))) {
      this.held = s.slice(open);
      return this.session.restore(s.slice(0, open));
    }
    this.held = '';
    return this.session.restore(s);
  }

  end(): string {
    const s = this.held;
    this.held = '';
    return this.session.restore(s);
  }
}
