import { StreamAssembler, completionToChunks } from '../pipeline/assemble.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, FinishReason, Usage } from '../types/openai.js';
import { validateChat } from './schemas.js';
import { openAIEventNeedsParse } from './stream-text.js';
import type { OperationSpec } from './types.js';

/** Does a chunk carry anything the client came for (text, tool calls, reasoning, a finish)? */
function carriesContent(chunk: ChatCompletionChunk): boolean {
  for (let i = 0; i < chunk.choices.length; i++) {
    const c = chunk.choices[i];
    if (c.finish_reason) return true;
    const d = c.delta;
    if (d && (d.content || d.tool_calls || d.reasoning_content || d.refusal || d.function_call || d.thinking_blocks)) return true;
  }
  return false;
}

/** Chat completions: the canonical operation every provider translates. */
export const chatOperation: OperationSpec<ChatCompletionRequest, ChatCompletion, ChatCompletionChunk> = {
  name: 'chat',
  paths: ['/chat/completions'],
  body: 'json',
  validate: validateChat,
  model: (r) => r.model,
  usage: (r) => r.usage ?? null,
  finishReason: (r) => r.choices?.[0]?.finish_reason ?? null,
  streams: (r) => r.stream === true,
  stream: {
    observe(chunk, ctx) {
      if (chunk.usage) ctx.usage = chunk.usage as Usage;
      for (let i = 0; i < chunk.choices.length; i++) {
        const f = chunk.choices[i].finish_reason;
        if (f) ctx.finishReason = f;
      }
      return carriesContent(chunk);
    },
    hasUsage: (chunk) => chunk.usage !== undefined && chunk.usage !== null,
    withoutUsage(chunk) {
      if (chunk.choices.length === 0) return null;
      const out = { ...chunk };
      delete out.usage;
      return out;
    },
    assembler: () => new StreamAssembler(),
    replay: completionToChunks,
    endChunk(finishReason, ctx) {
      return {
        id: `chatcmpl-${ctx.id}`,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: ctx.requestedModel,
        choices: [{ index: 0, delta: {}, finish_reason: finishReason as FinishReason }],
      };
    },
    needsParse: openAIEventNeedsParse,
  },
};
