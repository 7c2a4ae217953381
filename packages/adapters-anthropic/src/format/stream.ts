import {
  upstreamFormatError,
  type ChatCompletionChunk,
  type ChunkDelta,
  type FinishReason,
  type FramedEvent,
  type StreamParser,
} from '@tollgate/core';
import { mapAnthropicStreamError } from './errors.js';
import { JSON_TOOL_NAME, jsonContentOfText, type JsonMode } from './json-mode.js';
import { mapStopReason } from './stop-reason.js';
import { toOpenAIUsage } from './usage.js';
import type { AnthropicUsage } from './types.js';

export interface StreamParserOptions {
  jsonMode?: JsonMode | null;
  provider?: string;
}

/** What an open Anthropic content block turns into. */
type Block =
  | { kind: 'text' }
  | { kind: 'tool'; toolIndex: number }
  /** The response_format tool; `buf` collects a wrapped answer to unwrap at the block's end. */
  | { kind: 'json'; buf: string[] | null }
  | { kind: 'thinking'; text: string[] }
  | { kind: 'other' };

interface Event {
  type: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: Partial<AnthropicUsage> };
  content_block?: { type: string; id?: string; name?: string; text?: string; thinking?: string; data?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; signature?: string; stop_reason?: string | null };
  usage?: Partial<AnthropicUsage> & Record<string, unknown>;
}

/**
 * Anthropic stream events -> OpenAI chunks. One parser per stream, synchronous. Tool calls are
 * numbered from 0 in the order their blocks start (not by Anthropic's block index, which also counts
 * text and thinking blocks). A thinking block's signature arrives as a `thinking_blocks` entry carrying
 * the block's whole text, so a client can send it back on the next turn.
 */
export class AnthropicStreamParser implements StreamParser {
  private id = 'msg_unknown';
  private model = '';
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly blocks = new Map<number, Block>();
  private tools = 0;
  private usage: Partial<AnthropicUsage> = {};
  private jsonAnswered = false;
  private toolCalled = false;
  private readonly jsonMode: JsonMode | null;
  private readonly provider: string;

  constructor(options: StreamParserOptions = {}) {
    this.jsonMode = options.jsonMode ?? null;
    this.provider = options.provider ?? 'anthropic';
  }

  private chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  event(ev: FramedEvent): ChatCompletionChunk | ChatCompletionChunk[] | null {
    if (ev.event === 'ping') return null;
    if (ev.event === 'error') throw mapAnthropicStreamError(ev.data, this.provider);
    let e: Event;
    try {
      e = JSON.parse(ev.data) as Event;
    } catch {
      throw upstreamFormatError('a malformed stream event');
    }
    switch (e.type) {
      case 'message_start': {
        const m = e.message ?? {};
        if (m.id) this.id = m.id;
        if (m.model) this.model = m.model;
        this.usage = { ...(m.usage ?? {}) };
        return this.chunk({ role: 'assistant', content: '' });
      }
      case 'content_block_start':
        return this.blockStart(e.index ?? 0, e.content_block ?? { type: 'unknown' });
      case 'content_block_delta':
        return this.blockDelta(e.index ?? 0, e.delta ?? {});
      case 'content_block_stop': {
        const b = this.blocks.get(e.index ?? 0);
        this.blocks.delete(e.index ?? 0);
        // A thinking block that never got a signature still has to reach thinking_blocks.
        if (b?.kind === 'thinking' && b.text.length) return this.chunk({ thinking_blocks: [{ type: 'thinking', thinking: b.text.join('') }] });
        if (b?.kind === 'json' && b.buf && this.jsonMode) return this.chunk({ content: jsonContentOfText(b.buf.join(''), this.jsonMode) });
        return null;
      }
      case 'message_delta': {
        const u = e.usage ?? {};
        // output_tokens is cumulative; the other counters are whole-message totals sent when they apply.
        if (typeof u.output_tokens === 'number') this.usage.output_tokens = u.output_tokens;
        for (const k of ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
          if (typeof u[k] === 'number') this.usage[k] = u[k];
        }
        let finish = mapStopReason(e.delta?.stop_reason);
        if (finish === 'tool_calls' && this.jsonAnswered && !this.toolCalled) finish = 'stop';
        return this.chunk({}, finish);
      }
      case 'message_stop':
        return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: toOpenAIUsage(this.usage) };
      case 'error':
        throw mapAnthropicStreamError(ev.data, this.provider);
      default:
        return null;
    }
  }

  private blockStart(index: number, cb: NonNullable<Event['content_block']>): ChatCompletionChunk | null {
    switch (cb.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        return cb.text ? this.chunk({ content: cb.text }) : null;
      case 'tool_use':
        if (this.jsonMode && cb.name === JSON_TOOL_NAME && !this.jsonAnswered) {
          this.jsonAnswered = true;
          this.blocks.set(index, { kind: 'json', buf: this.jsonMode.wrapped ? [] : null });
          return null;
        }
        this.toolCalled = true;
        this.blocks.set(index, { kind: 'tool', toolIndex: this.tools });
        return this.chunk({ tool_calls: [{ index: this.tools++, id: cb.id, type: 'function', function: { name: cb.name, arguments: '' } }] });
      case 'thinking':
        this.blocks.set(index, { kind: 'thinking', text: cb.thinking ? [cb.thinking] : [] });
        return cb.thinking ? this.chunk({ reasoning_content: cb.thinking }) : null;
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'other' });
        return this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: cb.data ?? '' }] });
      default:
        this.blocks.set(index, { kind: 'other' });
        return null;
    }
  }

  private blockDelta(index: number, d: NonNullable<Event['delta']>): ChatCompletionChunk | null {
    const b = this.blocks.get(index);
    switch (d.type) {
      case 'text_delta':
        return d.text ? this.chunk({ content: d.text }) : null;
      case 'input_json_delta': {
        const part = d.partial_json;
        if (!part) return null;
        if (b?.kind === 'json') {
          if (!b.buf) return this.chunk({ content: part });
          b.buf.push(part);
          return null;
        }
        if (b?.kind === 'tool') return this.chunk({ tool_calls: [{ index: b.toolIndex, function: { arguments: part } }] });
        return null;
      }
      case 'thinking_delta':
        if (!d.thinking) return null;
        if (b?.kind === 'thinking') b.text.push(d.thinking);
        return this.chunk({ reasoning_content: d.thinking });
      case 'signature_delta': {
        const thinking = b?.kind === 'thinking' ? b.text.join('') : '';
        if (b?.kind === 'thinking') this.blocks.set(index, { kind: 'other' });
        return this.chunk({ thinking_blocks: [{ type: 'thinking', thinking, signature: d.signature ?? '' }] });
      }
      default:
        return null;
    }
  }
}

export function createAnthropicStreamParser(options: StreamParserOptions = {}): AnthropicStreamParser {
  return new AnthropicStreamParser(options);
}
