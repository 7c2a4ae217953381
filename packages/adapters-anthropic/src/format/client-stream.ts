import { sseEvent, type ChatCompletionChunk, type GatewayError, type Usage } from '@tollgate/core';
import { anthropicMessage } from './client-answer.js';
import { anthropicErrorEvent } from './errors.js';
import { stopReasonOf } from './stop-reason.js';
import type { StopReason } from './types.js';
import { toAnthropicUsage } from './usage.js';

function event(type: string, data: Record<string, unknown>): string {
  return sseEvent(JSON.stringify({ type, ...data }), type);
}

type Open = 'text' | 'thinking' | 'tool' | null;

/**
 * Canonical chunks -> Anthropic's event sequence, for an Anthropic client: message_start, then per
 * block content_block_start / content_block_delta / content_block_stop with indices counted in the
 * order blocks open (thinking, text and tool_use alike), then message_delta (stop_reason + usage,
 * sent at the end because OpenAI-format usage arrives after the finish chunk) and message_stop.
 * Items that are already strings are upstream Anthropic events passed through untouched.
 */
export class AnthropicEventEncoder {
  private started = false;
  private index = -1;
  private open: Open = null;
  /** OpenAI tool_call index -> Anthropic block index. */
  private readonly toolBlocks = new Map<number, number>();
  private stop: StopReason | null = null;
  private usage: Usage | null = null;
  private passThrough = false;

  constructor(private readonly model: string) {}

  private start(c: ChatCompletionChunk): string {
    this.started = true;
    const message = anthropicMessage(c.id, c.model || this.model, [], null, { input_tokens: 0, output_tokens: 0 });
    return event('message_start', { message });
  }

  private close(): string {
    if (this.open === null) return '';
    this.open = null;
    return event('content_block_stop', { index: this.index });
  }

  private begin(kind: Exclude<Open, null>, block: Record<string, unknown>): string {
    const out = this.close();
    this.index++;
    this.open = kind;
    return out + event('content_block_start', { index: this.index, content_block: block });
  }

  private delta(delta: Record<string, unknown>, index = this.index): string {
    return event('content_block_delta', { index, delta });
  }

  encode(c: ChatCompletionChunk): string {
    let out = this.started ? '' : this.start(c);
    if (c.usage) this.usage = c.usage;
    const choice = c.choices[0];
    if (!choice) return out;
    const d = choice.delta ?? {};
    if (d.reasoning_content) {
      if (this.open !== 'thinking') out += this.begin('thinking', { type: 'thinking', thinking: '', signature: '' });
      out += this.delta({ type: 'thinking_delta', thinking: d.reasoning_content });
    }
    for (const tb of d.thinking_blocks ?? []) {
      if (tb.type === 'redacted_thinking') {
        out += this.begin('thinking', { type: 'redacted_thinking', data: tb.data ?? '' }) + this.close();
        continue;
      }
      if (this.open !== 'thinking') {
        // A whole block that was not streamed as reasoning_content first.
        out += this.begin('thinking', { type: 'thinking', thinking: '', signature: '' });
        if (tb.thinking) out += this.delta({ type: 'thinking_delta', thinking: tb.thinking });
      }
      if (tb.signature) out += this.delta({ type: 'signature_delta', signature: tb.signature }) + this.close();
    }
    const text = d.content || d.refusal;
    if (text) {
      if (this.open !== 'text') out += this.begin('text', { type: 'text', text: '' });
      out += this.delta({ type: 'text_delta', text });
    }
    for (const tc of d.tool_calls ?? []) {
      // A new call is a new index (some upstreams repeat the id on every fragment).
      if (!this.toolBlocks.has(tc.index)) {
        out += this.begin('tool', { type: 'tool_use', id: tc.id ?? `toolu_${this.index + 1}`, name: tc.function?.name ?? '', input: {} });
        this.toolBlocks.set(tc.index, this.index);
      }
      const args = tc.function?.arguments;
      if (args) out += this.delta({ type: 'input_json_delta', partial_json: args }, this.toolBlocks.get(tc.index));
    }
    if (choice.finish_reason) {
      out += this.close();
      this.stop = stopReasonOf(choice.finish_reason);
    }
    return out;
  }

  /** The closing events, once the stream has ended (nothing when the upstream's own events went out). */
  finish(): string {
    if (this.passThrough) return '';
    let out = this.started ? '' : this.start({ id: '', object: 'chat.completion.chunk', created: 0, model: this.model, choices: [] });
    out += this.close();
    const u = toAnthropicUsage(this.usage);
    out += event('message_delta', { delta: { stop_reason: this.stop ?? 'end_turn', stop_sequence: null }, usage: u });
    return out + event('message_stop', {});
  }

  /**
   * A stream that failed after it started: the open block closed, the stop reason when a finish
   * came first (a guardrail's `content_filter` is `refusal`), then the error event.
   */
  fail(e: GatewayError): string {
    if (this.passThrough || !this.started) return anthropicErrorEvent(e);
    let out = this.close();
    if (this.stop) out += event('message_delta', { delta: { stop_reason: this.stop, stop_sequence: null }, usage: toAnthropicUsage(this.usage) });
    return out + anthropicErrorEvent(e);
  }

  /** One stream item as Anthropic events: upstream Anthropic event text as it is, canonical chunks encoded. */
  item(item: unknown): string {
    if (typeof item === 'string') {
      this.passThrough = true;
      return item;
    }
    return this.encode(item as ChatCompletionChunk);
  }
}
