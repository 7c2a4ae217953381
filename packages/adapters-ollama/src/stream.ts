import {
  upstreamFormatError,
  type ChatCompletionChunk,
  type ChunkDelta,
  type FinishReason,
  type FramedEvent,
  type StreamParser,
} from '@tollgate/core';
import { mapOllamaStreamError } from './errors.js';
import { createdOf, mapDoneReason, toolCallId, toOpenAILogprobs, toOpenAIUsage } from './response.js';
import type { OllamaChatResponse } from './types.js';

export interface OllamaStreamOptions {
  /** Chunk id (Ollama's answers have none). */
  id: string;
  model: string;
  provider?: string;
}

/**
 * Ollama NDJSON lines -> OpenAI chunks, synchronously, one parser per stream. The first line also
 * carries the assistant role; `thinking` is reasoning_content; a line's `tool_calls` are whole calls
 * (Ollama does not stream arguments), numbered from 0 across lines; the `done` line gives the finish
 * chunk and a choice-less usage chunk. An `{"error": ...}` line ends the stream with that error
 * (the core scrubs credentials from it).
 */
export class OllamaStreamParser implements StreamParser {
  private started = false;
  private tools = 0;
  private created = 0;
  private readonly provider: string;

  constructor(private readonly o: OllamaStreamOptions) {
    this.provider = o.provider ?? 'ollama';
  }

  private chunk(delta: ChunkDelta, finish: FinishReason | null, extra?: Pick<ChatCompletionChunk['choices'][number], 'logprobs'>): ChatCompletionChunk {
    return { id: this.o.id, object: 'chat.completion.chunk', created: this.created, model: this.o.model, choices: [{ index: 0, delta, finish_reason: finish, ...extra }] };
  }

  event(ev: FramedEvent): ChatCompletionChunk | ChatCompletionChunk[] | null {
    let r: OllamaChatResponse;
    try {
      r = JSON.parse(ev.data) as OllamaChatResponse;
    } catch {
      throw upstreamFormatError('a malformed stream line');
    }
    if (typeof r.error === 'string') throw mapOllamaStreamError(r.error, this.provider);
    if (!this.created) this.created = createdOf(r.created_at);
    const m = r.message ?? {};
    const delta: ChunkDelta = {};
    if (!this.started) {
      this.started = true;
      delta.role = 'assistant';
      delta.content = '';
    }
    if (m.thinking) delta.reasoning_content = m.thinking;
    if (m.content) delta.content = m.content;
    if (m.tool_calls?.length) {
      delta.tool_calls = m.tool_calls.map((t) => ({ index: this.tools++, id: toolCallId(t), type: 'function' as const, function: { name: t.function.name, arguments: JSON.stringify(t.function.arguments ?? {}) } }));
    }
    const logprobs = toOpenAILogprobs(r.logprobs);
    const out: ChatCompletionChunk[] = [];
    if (Object.keys(delta).length || logprobs) out.push(this.chunk(delta, null, logprobs ? { logprobs } : undefined));
    if (r.done) {
      out.push(this.chunk({}, mapDoneReason(r.done_reason, this.tools > 0)));
      out.push({ id: this.o.id, object: 'chat.completion.chunk', created: this.created, model: this.o.model, choices: [], usage: toOpenAIUsage(r) });
    }
    return out;
  }
}
