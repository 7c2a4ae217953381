import type { Completion, CompletionRequest, Usage } from '../types/openai.js';
import { validateCompletion } from './schemas.js';
import { openAIEventNeedsParse } from './stream-text.js';
import type { OperationSpec } from './types.js';

/** Joins streamed completion chunks into one Completion, once, at the end. */
class CompletionAssembler {
  private first: Completion | null = null;
  private readonly texts: string[][] = [];
  private readonly finish: Array<Completion['choices'][number]['finish_reason']> = [];
  private usage: Usage | null | undefined;

  add(chunk: Completion): void {
    this.first ??= chunk;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      (this.texts[c.index] ??= []).push(c.text);
      if (c.finish_reason) this.finish[c.index] = c.finish_reason;
    }
  }

  result(): Completion {
    const f = this.first;
    return {
      id: f?.id ?? '',
      object: 'text_completion',
      created: f?.created ?? 0,
      model: f?.model ?? '',
      choices: this.texts.map((t, index) => ({ text: t.join(''), index, logprobs: null, finish_reason: this.finish[index] ?? null })),
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }
}

/** Legacy completions (`POST /v1/completions`), streamed and not. */
export const completionsOperation: OperationSpec<CompletionRequest, Completion, Completion> = {
  name: 'completions',
  paths: ['/completions'],
  body: 'json',
  validate: validateCompletion,
  model: (r) => r.model,
  usage: (r) => r.usage ?? null,
  finishReason: (r) => r.choices?.[0]?.finish_reason ?? null,
  streams: (r) => r.stream === true,
  stream: {
    observe(chunk, ctx) {
      if (chunk.usage) ctx.usage = chunk.usage;
      let content = false;
      for (const c of chunk.choices) {
        if (c.finish_reason) { ctx.finishReason = c.finish_reason; content = true; }
        if (c.text) content = true;
      }
      return content;
    },
    hasUsage: (chunk) => chunk.usage !== undefined && chunk.usage !== null,
    withoutUsage(chunk) {
      if (chunk.choices.length === 0) return null;
      const out = { ...chunk };
      delete out.usage;
      return out;
    },
    assembler: () => new CompletionAssembler(),
    replay(response, includeUsage) {
      const { usage: _usage, ...rest } = response;
      const out: Completion[] = response.choices.map((c) => ({ ...rest, choices: [c] }));
      if (includeUsage && response.usage) out.push({ ...response, choices: [], usage: response.usage });
      return out;
    },
    endChunk(finishReason, ctx) {
      return {
        id: `cmpl-${ctx.id}`,
        object: 'text_completion',
        created: Math.floor(Date.now() / 1000),
        model: ctx.requestedModel,
        choices: [{ text: '', index: 0, logprobs: null, finish_reason: finishReason as 'content_filter' }],
      };
    },
    needsParse: openAIEventNeedsParse,
  },
};
