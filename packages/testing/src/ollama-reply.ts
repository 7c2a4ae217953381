/**
 * Deterministic answers for the Ollama mock, in the shapes ollama/ollama returns (`api.ChatResponse`
 * with its Metrics, `api.EmbedResponse`, `api.ListResponse`; examples in docs/api.md): a streamed chat
 * is NDJSON — message pieces with `done: false`, one chunk with the whole `tool_calls`, then a final
 * `done: true` object carrying `done_reason` and the counts.
 */
import { embeddingVector, hashId, splitWords, tokensOf } from './openai-reply.js';
import { sampleForSchema } from './gemini-reply.js';

export interface OllamaToolCall {
  id: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
}

export interface OllamaChatPlan {
  thinking: string | null;
  content: string;
  toolCalls: OllamaToolCall[];
  doneReason: 'stop' | 'length';
  promptEvalCount: number;
  evalCount: number;
}

export interface OllamaReplyOptions {
  seq: number;
  replyText?: string;
  /** The model supports thinking and `think` asked for it. */
  thinks: boolean;
}

export function planOllamaChat(body: Record<string, any>, options: Record<string, any>, o: OllamaReplyOptions): OllamaChatPlan {
  const messages: any[] = body.messages ?? [];
  let lastUser = -1;
  messages.forEach((m, i) => { if (m.role === 'user') lastUser = i; });
  const userText: string = lastUser === -1 ? '' : messages[lastUser].content ?? '';
  const images: number = lastUser === -1 ? 0 : (messages[lastUser].images ?? []).length;
  const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
  const tools: any[] = body.tools ?? [];
  const plan: OllamaChatPlan = { thinking: null, content: '', toolCalls: [], doneReason: 'stop', promptEvalCount: 0, evalCount: 0 };
  if (o.thinks) plan.thinking = `Thinking about "${userText}".`;

  if (tools.length && !results.length && userText.includes('call tool')) {
    const chosen = userText.includes('call tools') && tools.length > 1 ? tools.slice(0, 2) : tools.slice(0, 1);
    plan.toolCalls = chosen.map((t, index) => ({
      id: `call_${hashId(`${o.seq}|${index}`, 8).toLowerCase()}`,
      function: { index, name: t.function.name, arguments: sampleForSchema(t.function.parameters, userText) as Record<string, unknown> },
    }));
  } else {
    const f = body.format;
    let text: string;
    if (f === 'json') text = JSON.stringify({ echo: userText });
    else if (f && typeof f === 'object') text = JSON.stringify(sampleForSchema(f, userText));
    else text = o.replyText ?? (results.length ? `tool said: ${results.map((r) => r.content).join(' | ')}` : `echo: ${userText}${images ? ` (${images} image${images > 1 ? 's' : ''})` : ''}`);
    for (const s of options.stop ?? []) {
      const at = text.indexOf(s);
      if (at !== -1) text = text.slice(0, at);
    }
    // num_predict caps the generated tokens; -1 (the default) means no limit.
    const limit = options.num_predict;
    if (typeof limit === 'number' && limit >= 0 && tokensOf(text) > limit) {
      text = text.slice(0, limit * 4);
      plan.doneReason = 'length';
    }
    plan.content = text;
  }
  plan.promptEvalCount = tokensOf(messages.map((m) => `${m.role}:${m.content ?? ''}`).join('\n') + JSON.stringify(tools));
  plan.evalCount = tokensOf((plan.thinking ?? '') + plan.content + (plan.toolCalls.length ? JSON.stringify(plan.toolCalls) : ''));
  return plan;
}

const CREATED_AT = '2025-07-07T20:22:19.184789Z';

function metrics(plan: OllamaChatPlan): Record<string, number> {
  return {
    total_duration: 182_242_375,
    load_duration: 41_295_167,
    prompt_eval_count: plan.promptEvalCount,
    prompt_eval_duration: 24_573_166,
    eval_count: plan.evalCount,
    eval_duration: 115_959_084,
  };
}

function logprobsOf(text: string): Array<Record<string, unknown>> {
  return [{ token: text, logprob: -0.25, bytes: [...Buffer.from(text)], top_logprobs: [{ token: text, logprob: -0.25, bytes: [...Buffer.from(text)] }] }];
}

export function ollamaChatResponse(model: string, plan: OllamaChatPlan, logprobs: boolean): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: plan.content };
  if (plan.thinking) message.thinking = plan.thinking;
  if (plan.toolCalls.length) message.tool_calls = plan.toolCalls;
  const out: Record<string, unknown> = { model, created_at: CREATED_AT, message, done: true, done_reason: plan.doneReason, ...metrics(plan) };
  if (logprobs && plan.content) out.logprobs = logprobsOf(plan.content);
  return out;
}

export function ollamaChatChunks(model: string, plan: OllamaChatPlan, logprobs: boolean): Array<Record<string, unknown>> {
  const chunk = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '', ...message }, done: false, ...extra });
  const out: Array<Record<string, unknown>> = [];
  if (plan.thinking) for (const p of splitWords(plan.thinking)) out.push(chunk({ thinking: p }));
  for (const p of splitWords(plan.content)) out.push(chunk({ content: p }, logprobs ? { logprobs: logprobsOf(p) } : {}));
  if (plan.toolCalls.length) out.push(chunk({ tool_calls: plan.toolCalls }));
  out.push({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '' }, done: true, done_reason: plan.doneReason, ...metrics(plan) });
  return out;
}

export function ollamaEmbedResponse(model: string, inputs: string[], dimensions: number | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { model, embeddings: inputs.map((t) => embeddingVector(t, dimensions || 8)) };
  if (inputs.length) Object.assign(out, { total_duration: 14_143_917, load_duration: 1_019_500, prompt_eval_count: inputs.reduce((n, t) => n + tokensOf(t), 0) });
  return out;
}

export function ollamaTagsResponse(models: readonly string[]): Record<string, unknown> {
  return {
    models: models.map((m, i) => {
      const name = m.includes(':') ? m : `${m}:latest`;
      const family = name.split(/[:.\d]/)[0] || 'llama';
      return {
        name,
        model: name,
        modified_at: '2025-05-10T08:06:48.639712648-07:00',
        size: 2_019_393_189 + i,
        digest: hashId(`digest${name}`, 64).toLowerCase(),
        details: { parent_model: '', format: 'gguf', family, families: [family], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
      };
    }),
  };
}
