import type { ChatCompletion, ChatCompletionChunk, ChunkWatcher } from '@tollgate/core';
import type { StreamGuard } from '../stream.js';
import type { Block } from '../types.js';

type Choice = ChatCompletionChunk['choices'][number];
type Delta = Choice['delta'];

/**
 * post_call on one stream, as a chunk watcher: the guard's windows mask and block as the text
 * passes, and what they still hold goes out in the chunk that finishes the last choice. On a
 * block, `onBlock` ends the stream; the chunk carrying the text before the violation goes out
 * without its finish reason (the end chunk brings `content_filter`).
 *
 * With `holdAll` (a check of the whole answer follows at `streamEnd`), nothing goes out until the
 * upstream's end; then every chunk is released at once, in the same read as `streamEnd`, so a
 * refusal there withholds all of it, and `rewrite()` can still change the text.
 */
export class StreamWatch {
  private readonly held: ChatCompletionChunk[] = [];
  private readonly finished = new Set<number>();
  private flushed = false;
  private blocked = false;

  constructor(
    private readonly guard: StreamGuard,
    /** Choices the stream carries (`n`): held text is flushed once each has finished. */
    private readonly choices: number,
    private readonly holdAll: boolean,
    private readonly onBlock: (block: Block) => void,
  ) {}

  readonly watcher: ChunkWatcher = (chunk) => {
    if (this.blocked) return null;
    if (chunk === null) return this.end();
    const r = this.guard.push(chunk);
    if (r.block) return this.stop(r.block, r.chunk);
    for (const c of chunk.choices ?? []) if (c.finish_reason) this.finished.add(c.index);
    if (!this.flushed && this.finished.size >= this.choices) {
      const block = this.flush(chunk);
      if (block) return this.stop(block, chunk);
    }
    if (this.holdAll) {
      this.held.push(chunk);
      return null;
    }
    return isEmpty(chunk) ? null : chunk;
  };

  /**
   * Put a whole answer (checked again, masked or restored at `streamEnd`) back into the chunks
   * held for it: each choice's text in the first chunk that carried some, the others emptied.
   */
  rewrite(answer: ChatCompletion): void {
    const placed = new Set<string>();
    const put = (key: string, value: string | null | undefined): string => {
      if (placed.has(key)) return '';
      placed.add(key);
      return value ?? '';
    };
    for (const chunk of this.held) {
      for (const c of chunk.choices ?? []) {
        const m = answer.choices[c.index]?.message;
        if (!m) continue;
        const d = c.delta as Delta & { reasoning_content?: string | null; refusal?: string | null };
        if (typeof d.content === 'string') d.content = put(`${c.index}:content`, m.content);
        if (typeof d.refusal === 'string') d.refusal = put(`${c.index}:refusal`, m.refusal);
        if (typeof d.reasoning_content === 'string') d.reasoning_content = put(`${c.index}:reasoning`, m.reasoning_content);
        for (const tc of d.tool_calls ?? []) {
          if (tc.function && typeof tc.function.arguments === 'string') tc.function.arguments = put(`${c.index}:t${tc.index}`, m.tool_calls?.[tc.index]?.function.arguments);
        }
      }
    }
  }

  /** The upstream ended: what the guard still holds (a stream with no finish chunk), then, with holdAll, everything. */
  private end(): ChatCompletionChunk[] | null {
    if (!this.flushed && this.held.length) {
      const block = this.flush(this.held[this.held.length - 1]);
      if (block) {
        this.stop(block, null);
        return null;
      }
    }
    // Released as a copy: `rewrite()` still reaches these chunks until they are written.
    return this.holdAll && this.held.length ? this.held.slice() : null;
  }

  /** Empty the guard's windows into `chunk`; a violation found in what they held is returned. */
  private flush(chunk: ChatCompletionChunk): Block | undefined {
    this.flushed = true;
    const rest = this.guard.flush();
    if (rest.block) return rest.block;
    for (const [index, text] of rest.content) if (text) delta(chunk, index).content = (delta(chunk, index).content ?? '') + text;
    for (const [key, text] of rest.toolArguments) {
      if (!text) continue;
      const [index, tool] = key.split(':').map(Number);
      const d = delta(chunk, index);
      const calls = (d.tool_calls ??= []);
      const call = calls.find((t) => t.index === tool);
      if (call?.function) call.function.arguments = (call.function.arguments ?? '') + text;
      else calls.push({ index: tool, function: { arguments: text } });
    }
    return undefined;
  }

  private stop(block: Block, chunk: ChatCompletionChunk | null): ChatCompletionChunk | null {
    this.blocked = true;
    this.onBlock(block);
    // Held for a whole-answer check: none of it was judged, none of it goes out.
    if (this.holdAll || !chunk) return null;
    for (const c of chunk.choices ?? []) c.finish_reason = null;
    return isEmpty(chunk) ? null : chunk;
  }
}

/** The delta of choice `index` in `chunk`, added when the chunk does not carry that choice. */
function delta(chunk: ChatCompletionChunk, index: number): Delta {
  let c = chunk.choices.find((x) => x.index === index);
  if (!c) chunk.choices.push((c = { index, delta: {}, finish_reason: null } as Choice));
  return c.delta;
}

/** Nothing left to send: no role, text, tool call, finish or usage (the guard is holding all of it). */
function isEmpty(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage || !chunk.choices?.length) return false;
  for (const c of chunk.choices) {
    const d = c.delta as Delta & { reasoning_content?: string | null };
    if (c.finish_reason || d.role || d.content || d.refusal || d.reasoning_content || d.tool_calls?.some((t) => t.id || t.function?.name || t.function?.arguments)) return false;
  }
  return true;
}
