import type { ChatCompletionChunk } from '@tollgate/core';
import type { Guardrail } from './guardrail.js';
import { MaskSession, StreamRestorer } from './mask.js';
import type { Rule } from './scanner.js';
import type { Block, Finding } from './types.js';
import { StreamWindow } from './window.js';

/** One streamed text field (a choice's content, or one tool call's arguments). */
class Field {
  readonly window: StreamWindow | undefined;
  readonly restorer: StreamRestorer | undefined;

  constructor(rules: readonly Rule[], outputSession: MaskSession, restore: MaskSession | undefined) {
    this.window = rules.length ? new StreamWindow(rules, outputSession) : undefined;
    this.restorer = restore && restore.size ? new StreamRestorer(restore) : undefined;
  }

  /** Rules first, on the model's own text; then input placeholders in what they released are restored. */
  push(text: string, final: boolean): { release: string; violation?: Finding } {
    let r: { release: string; violation?: Finding } = { release: text };
    if (this.window) {
      r = this.window.push(text);
      if (final && !r.violation) {
        const b = this.window.end();
        r = { release: r.release + b.release, violation: b.violation };
      }
    }
    if (!this.restorer) return r;
    let release = this.restorer.push(r.release);
    if (final || r.violation) release += this.restorer.end();
    return { release, violation: r.violation };
  }
}

export interface ChunkResult {
  /** The chunk with its text replaced by what may be sent now (possibly empty strings). */
  chunk: ChatCompletionChunk;
  /** A post_call rule blocked: send `chunk` (the text before the violation), then end the stream with `content_filter`. */
  block?: Block;
}

/**
 * post_call on a stream: a window per choice and per tool call over the chunks' text. The rules
 * of every scanning guardrail run on the model's text, then input placeholders in what they
 * release are restored (when a `restore` session is given), as `checkResponse` then
 * `restoreResponse` do on a complete answer. Output masks are numbered by `outputSession` (pass
 * the request's session, so they continue its numbering). Call `push` for each chunk in order,
 * `flush` after the last: it returns what was still held, as one chunk per field.
 *
 * Only scanning guardrails run incrementally; webhook, JSON-schema and third-party checks need
 * the whole answer (`checkResponse` on the assembled stream, at its end).
 */
export class StreamGuard {
  private readonly rules: readonly Rule[];
  private readonly fields = new Map<string, Field>();
  private blocked: Block | undefined;

  constructor(guardrails: readonly Guardrail[], private readonly restore?: MaskSession, private readonly outputSession = new MaskSession()) {
    this.rules = rulesOf.get(guardrails) ?? rulesFor(guardrails);
  }

  /** The guardrail that masked some of the streamed text, if any did. */
  get maskedBy(): string | null {
    for (const f of this.fields.values()) if (f.window?.maskedBy) return f.window.maskedBy;
    return null;
  }

  /** Nothing to do on this stream: skip the guard entirely. */
  get idle(): boolean {
    return this.rules.length === 0 && !(this.restore && this.restore.size);
  }

  push(chunk: ChatCompletionChunk): ChunkResult {
    if (this.blocked) return { chunk: emptied(chunk), block: this.blocked };
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta;
      if (!d) continue;
      if (typeof d.content === 'string' && d.content) {
        const r = this.field(`${choice.index}:c`).push(d.content, false);
        d.content = r.release;
        if (r.violation) return this.stop(chunk, r.violation);
      }
      for (const tc of d.tool_calls ?? []) {
        const args = tc.function?.arguments;
        if (typeof args === 'string' && args) {
          const r = this.field(`${choice.index}:t${tc.index}`).push(args, false);
          tc.function!.arguments = r.release;
          if (r.violation) return this.stop(chunk, r.violation);
        }
      }
    }
    return { chunk };
  }

  /** The text still held, per field, once the upstream stream is over. */
  flush(): { content: Map<number, string>; toolArguments: Map<string, string>; block?: Block } {
    const content = new Map<number, string>();
    const toolArguments = new Map<string, string>();
    if (this.blocked) return { content, toolArguments, block: this.blocked };
    for (const [key, field] of this.fields) {
      const r = field.push('', true);
      if (r.violation) {
        this.blocked = toBlock(r.violation);
        return { content: new Map(), toolArguments: new Map(), block: this.blocked };
      }
      const [choice, kind] = key.split(':');
      if (kind === 'c') content.set(Number(choice), r.release);
      else toolArguments.set(`${choice}:${kind.slice(1)}`, r.release);
    }
    return { content, toolArguments };
  }

  private field(key: string): Field {
    let f = this.fields.get(key);
    if (!f) this.fields.set(key, (f = new Field(this.rules, this.outputSession, this.restore)));
    return f;
  }

  private stop(chunk: ChatCompletionChunk, violation: Finding): ChunkResult {
    this.blocked = toBlock(violation);
    return { chunk, block: this.blocked };
  }
}

/** The rules of a list of guardrails, gathered once per list (a caller passing the same list each request pays once). */
const rulesOf = new WeakMap<readonly Guardrail[], readonly Rule[]>();

function rulesFor(guardrails: readonly Guardrail[]): readonly Rule[] {
  const rules = guardrails.flatMap((g) => (g.scanner ? [...g.scanner.rules] : []));
  rulesOf.set(guardrails, rules);
  return rules;
}

function toBlock(f: Finding): Block {
  return { guardrail: f.guardrail, rule: f.rule, reason: f.reason ?? 'Content blocked.' };
}

function emptied(chunk: ChatCompletionChunk): ChatCompletionChunk {
  for (const c of chunk.choices ?? []) if (c.delta) c.delta.content = '';
  return chunk;
}
