import {
  upstreamFormatError,
  type ChatCompletionChunk,
  type ChunkDelta,
  type FinishReason,
  type GatewayError,
  type StreamParser,
} from '@tollgate/core';
import { completionId, mapFinishReason, mapUsage, summarizeParts } from './response.js';
import type { GeminiUsageMetadata, GenerateContentResponse } from './types.js';

interface ChoiceState {
  started: boolean;
  /** Tool calls emitted so far for this choice (the `index` of the next one). */
  tools: number;
  finished: boolean;
}

/**
 * streamGenerateContent?alt=sse: every SSE `data:` is a whole GenerateContentResponse holding the
 * next piece of each candidate. Text and thoughts become content / reasoning_content deltas;
 * Gemini sends a function call whole, so it becomes one complete tool-call delta. The finish
 * reason gets its own chunk, and the last usageMetadata becomes the usage chunk (choices: [])
 * at the end — but only if the stream finished: a cut stream must not look complete.
 */
export function createGeminiStreamParser(model: string, fallbackId: string, onError: (error: unknown) => GatewayError): StreamParser {
  let id = '';
  let modelName = model;
  const created = Math.floor(Date.now() / 1000);
  const choices: ChoiceState[] = [];
  let usage: GeminiUsageMetadata | undefined;
  let finished = false;
  let calls = 0;
  const nextId = (): number => calls++;

  const chunk = (index: number, delta: ChunkDelta, finish: FinishReason | null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: modelName,
    choices: [{ index, delta, finish_reason: finish }],
  });

  return {
    event(ev) {
      let body: GenerateContentResponse & { error?: unknown };
      try {
        body = JSON.parse(ev.data) as GenerateContentResponse & { error?: unknown };
      } catch {
        throw upstreamFormatError('a malformed stream event');
      }
      if (body.error) throw onError(body.error);
      if (!id) id = completionId(body, fallbackId);
      if (body.modelVersion) modelName = body.modelVersion;
      if (body.usageMetadata) usage = body.usageMetadata;

      const out: ChatCompletionChunk[] = [];
      const candidates = body.candidates ?? [];
      candidates.forEach((c, i) => {
        const index = c.index ?? i;
        const st = (choices[index] ??= { started: false, tools: 0, finished: false });
        const s = summarizeParts(c.content?.parts, nextId);
        const delta: ChunkDelta = {};
        if (!st.started) {
          st.started = true;
          delta.role = 'assistant';
          delta.content = s.content;
        } else if (s.content) {
          delta.content = s.content;
        }
        if (s.reasoning) delta.reasoning_content = s.reasoning;
        if (s.thinking.length) delta.thinking_blocks = s.thinking;
        if (s.toolCalls.length) {
          delta.tool_calls = s.toolCalls.map((t) => ({ index: st.tools++, id: t.id, type: 'function' as const, function: t.function }));
        }
        if (Object.keys(delta).length) out.push(chunk(index, delta, null));
        const finish = mapFinishReason(c.finishReason, st.tools > 0);
        if (finish && !st.finished) {
          st.finished = true;
          finished = true;
          out.push(chunk(index, {}, finish));
        }
      });
      if (candidates.length === 0 && body.promptFeedback?.blockReason && !finished) {
        // The prompt was blocked before any candidate was generated.
        finished = true;
        out.push(chunk(0, { role: 'assistant', content: null }, 'content_filter'));
      }
      return out;
    },
    end() {
      if (!finished || !usage) return null;
      return { id, object: 'chat.completion.chunk', created, model: modelName, choices: [], usage: mapUsage(usage) };
    },
  };
}
