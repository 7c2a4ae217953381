import type { ChatCompletion, ChatCompletionChunk, ResponseMessage, ToolCall } from '../types/openai.js';

/**
 * Builds one ChatCompletion from streamed chunks, once, at the end of the stream. Deltas are
 * collected in arrays and joined once, so a long stream costs no more per chunk than a short one.
 */
export class StreamAssembler {
  private id = '';
  private created = 0;
  private model = '';
  private fingerprint: string | null | undefined;
  private readonly choices: Array<{
    content: string[];
    reasoning: string[];
    refusal: string[];
    tools: Array<{ id: string; name: string; args: string[] }>;
    thinking: NonNullable<ResponseMessage['thinking_blocks']>;
    finish: ChatCompletion['choices'][number]['finish_reason'];
  }> = [];
  usage: ChatCompletion['usage'];

  add(chunk: ChatCompletionChunk): void {
    if (!this.id) {
      this.id = chunk.id;
      this.created = chunk.created;
      this.model = chunk.model;
      this.fingerprint = chunk.system_fingerprint;
    }
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      let s = this.choices[c.index];
      if (!s) s = this.choices[c.index] = { content: [], reasoning: [], refusal: [], tools: [], thinking: [], finish: null };
      const d = c.delta;
      if (d.content) s.content.push(d.content);
      if (d.reasoning_content) s.reasoning.push(d.reasoning_content);
      if (d.refusal) s.refusal.push(d.refusal);
      if (d.thinking_blocks) s.thinking.push(...d.thinking_blocks);
      if (d.tool_calls) {
        for (const t of d.tool_calls) {
          let tool = s.tools[t.index];
          if (!tool) tool = s.tools[t.index] = { id: '', name: '', args: [] };
          if (t.id) tool.id = t.id;
          if (t.function?.name) tool.name += t.function.name;
          if (t.function?.arguments) tool.args.push(t.function.arguments);
        }
      }
      if (c.finish_reason) s.finish = c.finish_reason;
    }
  }

  result(): ChatCompletion {
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      system_fingerprint: this.fingerprint,
      choices: this.choices.map((s, index) => {
        const message: ResponseMessage = { role: 'assistant', content: s.content.length ? s.content.join('') : null };
        if (s.refusal.length) message.refusal = s.refusal.join('');
        if (s.reasoning.length) message.reasoning_content = s.reasoning.join('');
        if (s.thinking.length) message.thinking_blocks = s.thinking;
        const tools = s.tools.filter(Boolean);
        if (tools.length) {
          message.tool_calls = tools.map((t): ToolCall => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.args.join('') } }));
        }
        return { index, message, finish_reason: s.finish, logprobs: null };
      }),
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }
}

/** Replays a complete answer (a cache hit, a guardrail reply) as chunks, with no delay. */
export function completionToChunks(response: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const base = { id: response.id, object: 'chat.completion.chunk' as const, created: response.created, model: response.model };
  const out: ChatCompletionChunk[] = [];
  for (const choice of response.choices) {
    const m = choice.message;
    out.push({ ...base, choices: [{ index: choice.index, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (m.reasoning_content) out.push({ ...base, choices: [{ index: choice.index, delta: { reasoning_content: m.reasoning_content }, finish_reason: null }] });
    if (m.content) out.push({ ...base, choices: [{ index: choice.index, delta: { content: m.content }, finish_reason: null }] });
    if (m.tool_calls?.length) {
      out.push({
        ...base,
        choices: [{
          index: choice.index,
          delta: { tool_calls: m.tool_calls.map((t, i) => ({ index: i, id: t.id, type: 'function' as const, function: { name: t.function.name, arguments: t.function.arguments } })) },
          finish_reason: null,
        }],
      });
    }
    out.push({ ...base, choices: [{ index: choice.index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] });
  }
  if (includeUsage && response.usage) out.push({ ...base, choices: [], usage: response.usage });
  return out;
}
