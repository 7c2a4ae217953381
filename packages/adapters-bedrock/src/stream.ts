import {
  upstreamFormatError,
  type ChatCompletionChunk,
  type ChunkDelta,
  type FinishReason,
  type FramedEvent,
  type StreamParser,
} from '@tollgate/core';
import { mapBedrockStreamException } from './errors.js';
import { mapStopReason, toOpenAIUsage } from './response.js';
import { JSON_TOOL_NAME, jsonContentOfText, type JsonMode } from './tools.js';
import type { TokenUsage } from './types.js';

export interface StreamParserOptions {
  id: string;
  model: string;
  jsonMode?: JsonMode | null;
}

/** What an open Converse content block turns into. */
type Block =
  | { kind: 'tool'; toolIndex: number }
  /** The response_format tool; `buf` collects a wrapped answer to unwrap at the block's end. */
  | { kind: 'json'; buf: string[] | null }
  | { kind: 'thinking'; text: string[]; signed: boolean };

interface Payload {
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId: string; name: string } };
  delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string; signature?: string; redactedContent?: string } };
  stopReason?: string;
  usage?: TokenUsage;
}

/**
 * ConverseStream events -> OpenAI chunks, one parser per stream, synchronous. Tool calls are numbered
 * from 0 in the order their blocks start. A reasoning block's signature arrives as a `thinking_blocks`
 * entry carrying the block's whole text, so a client can send it back on the next turn. Exception
 * frames (`:message-type: exception`) become errors with a kind.
 */
export class ConverseStreamParser implements StreamParser {
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly blocks = new Map<number, Block>();
  private tools = 0;
  private jsonAnswered = false;
  private toolCalled = false;

  constructor(private readonly o: StreamParserOptions) {}

  private chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk {
    return { id: this.o.id, object: 'chat.completion.chunk', created: this.created, model: this.o.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  event(ev: FramedEvent): ChatCompletionChunk | ChatCompletionChunk[] | null {
    const type = ev.headers?.[':message-type'];
    if (type === 'exception') throw mapBedrockStreamException(ev.headers?.[':exception-type'] ?? 'internalServerException', ev.data);
    if (type === 'error') {
      // A generic error message: code and message in headers (AWS event-stream encoding).
      const body = JSON.stringify({ message: ev.headers?.[':error-message'] ?? '' });
      throw mapBedrockStreamException(ev.headers?.[':error-code'] ?? 'internalServerException', body);
    }
    let p: Payload;
    try {
      p = JSON.parse(ev.data) as Payload;
    } catch {
      throw upstreamFormatError('a malformed ConverseStream event');
    }
    const index = p.contentBlockIndex ?? 0;
    switch (ev.event) {
      case 'messageStart':
        return this.chunk({ role: 'assistant', content: '' });
      case 'contentBlockStart': {
        const t = p.start?.toolUse;
        if (!t) return null;
        if (this.o.jsonMode && t.name === JSON_TOOL_NAME && !this.jsonAnswered) {
          this.jsonAnswered = true;
          this.blocks.set(index, { kind: 'json', buf: this.o.jsonMode.wrapped ? [] : null });
          return null;
        }
        this.toolCalled = true;
        this.blocks.set(index, { kind: 'tool', toolIndex: this.tools });
        return this.chunk({ tool_calls: [{ index: this.tools++, id: t.toolUseId, type: 'function', function: { name: t.name, arguments: '' } }] });
      }
      case 'contentBlockDelta':
        return this.delta(index, p.delta ?? {});
      case 'contentBlockStop': {
        const b = this.blocks.get(index);
        this.blocks.delete(index);
        // A reasoning block that never got a signature still has to reach thinking_blocks.
        if (b?.kind === 'thinking' && !b.signed && b.text.length) return this.chunk({ thinking_blocks: [{ type: 'thinking', thinking: b.text.join('') }] });
        if (b?.kind === 'json' && b.buf && this.o.jsonMode) return this.chunk({ content: jsonContentOfText(b.buf.join(''), this.o.jsonMode) });
        return null;
      }
      case 'messageStop': {
        let finish = mapStopReason(p.stopReason);
        if (finish === 'tool_calls' && this.jsonAnswered && !this.toolCalled) finish = 'stop';
        return this.chunk({}, finish);
      }
      case 'metadata':
        return { id: this.o.id, object: 'chat.completion.chunk', created: this.created, model: this.o.model, choices: [], usage: toOpenAIUsage(p.usage) };
      default:
        return null;
    }
  }

  private delta(index: number, d: NonNullable<Payload['delta']>): ChatCompletionChunk | null {
    const b = this.blocks.get(index);
    if (typeof d.text === 'string') return d.text ? this.chunk({ content: d.text }) : null;
    if (d.toolUse) {
      const part = d.toolUse.input;
      if (!part) return null;
      if (b?.kind === 'json') {
        if (!b.buf) return this.chunk({ content: part });
        b.buf.push(part);
        return null;
      }
      return b?.kind === 'tool' ? this.chunk({ tool_calls: [{ index: b.toolIndex, function: { arguments: part } }] }) : null;
    }
    const r = d.reasoningContent;
    if (!r) return null;
    if (typeof r.text === 'string') {
      if (!r.text) return null;
      if (b?.kind === 'thinking') b.text.push(r.text);
      else this.blocks.set(index, { kind: 'thinking', text: [r.text], signed: false });
      return this.chunk({ reasoning_content: r.text });
    }
    if (typeof r.signature === 'string') {
      const thinking = b?.kind === 'thinking' ? b.text.join('') : '';
      if (b?.kind === 'thinking') b.signed = true;
      return this.chunk({ thinking_blocks: [{ type: 'thinking', thinking, signature: r.signature }] });
    }
    if (typeof r.redactedContent === 'string') return this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: r.redactedContent }] });
    return null;
  }
}
