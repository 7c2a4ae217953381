import {
  upstreamFormatError,
  type ChatCompletionChunk,
  type ChunkDelta,
  type FinishReason,
  type FramedEvent,
  type StreamParser,
} from '@tollgate/core';
import { citationsToAnnotations, mapFinishReason, toOpenAIUsage } from './response.js';
import type { CohereStreamEvent } from './types.js';

export interface CohereStreamOptions {
  /** The model id for the chunks (Cohere's events do not name it). */
  model: string;
  provider?: string;
}

/**
 * Cohere v2 stream events -> OpenAI chunks, synchronously, one parser per stream. `message-end`
 * gives the finish chunk and a choice-less usage chunk; a `message-end` carrying `error` (finish
 * reason ERROR) ends the stream with an error (the core scrubs credentials from it). Thinking and
 * tool-plan deltas are `reasoning_content`; citations arrive as `annotations` on the delta.
 */
export class CohereStreamParser implements StreamParser {
  private id = 'cohere';
  private readonly created = Math.floor(Date.now() / 1000);
  /** Cohere's tool-call index -> ours (ours count tool calls only, from 0). */
  private readonly tools = new Map<number, number>();
  private readonly provider: string;

  constructor(private readonly options: CohereStreamOptions) {
    this.provider = options.provider ?? 'cohere';
  }

  private chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.options.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  event(ev: FramedEvent): ChatCompletionChunk | ChatCompletionChunk[] | null {
    let e: CohereStreamEvent;
    try {
      e = JSON.parse(ev.data) as CohereStreamEvent;
    } catch {
      throw upstreamFormatError('a malformed stream event');
    }
    const m = e.delta?.message;
    switch (e.type) {
      case 'message-start':
        if (e.id) this.id = e.id;
        return this.chunk({ role: 'assistant', content: '' });
      case 'content-start':
      case 'content-delta': {
        const c = m?.content;
        if (c?.text) return this.chunk({ content: c.text });
        if (c?.thinking) return this.chunk({ reasoning_content: c.thinking });
        return null;
      }
      case 'tool-plan-delta':
        return m?.tool_plan ? this.chunk({ reasoning_content: m.tool_plan }) : null;
      case 'tool-call-start': {
        const t = m?.tool_calls;
        const index = this.tools.size;
        this.tools.set(e.index ?? index, index);
        return this.chunk({ tool_calls: [{ index, id: t?.id ?? '', type: 'function', function: { name: t?.function?.name ?? '', arguments: t?.function?.arguments ?? '' } }] });
      }
      case 'tool-call-delta': {
        const args = m?.tool_calls?.function?.arguments;
        const index = this.tools.get(e.index ?? 0);
        return args && index !== undefined ? this.chunk({ tool_calls: [{ index, function: { arguments: args } }] }) : null;
      }
      case 'citation-start': {
        const c = m?.citations;
        if (!c) return null;
        // `annotations` is not in ChunkDelta's type; OpenAI streams it on the delta for web-search models.
        return this.chunk({ annotations: citationsToAnnotations([c]), citations: [c] } as ChunkDelta);
      }
      case 'message-end': {
        const d = e.delta ?? {};
        const finish = mapFinishReason(d.finish_reason, d.error, this.provider);
        if (typeof finish !== 'string') throw finish;
        return [this.chunk({}, finish), { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.options.model, choices: [], usage: toOpenAIUsage(d.usage) }];
      }
      default:
        // content-end, tool-call-end, citation-end, debug
        return null;
    }
  }
}
