/**
 * Deterministic answers for the Cohere v2 mock, in the shapes api.cohere.com returns: the chat
 * response and its SSE event sequence (message-start, content-start/-delta/-end, tool-plan-delta,
 * tool-call-start/-delta/-end, citation-start/-end, message-end with finish_reason and usage
 * {billed_units, tokens, cached_tokens}), embed-by-type and rerank responses. Event shapes follow the
 * recorded fixtures in vercel/ai `packages/cohere/src/__fixtures__/*.chunks.txt`.
 */
import { createHash } from 'node:crypto';
import { contentText, embeddingVector, float32Base64, hashId, splitWords, tokensOf } from './openai-reply.js';
import { sampleForSchema } from './gemini-reply.js';
import type { EmbedItem, ValidatedChat } from './cohere-validate.js';

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface CohereCitation {
  start: number;
  end: number;
  text: string;
  sources: Array<{ type: 'document'; id: string; document: Record<string, unknown> }>;
  type: 'TEXT_CONTENT';
}

export interface CohereChatPlan {
  id: string;
  thinking: string | null;
  text: string | null;
  toolPlan: string | null;
  toolCalls: CohereToolCall[];
  citations: CohereCitation[];
  finish: 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL';
  usage: { billed_units: { input_tokens: number; output_tokens: number }; tokens: { input_tokens: number; output_tokens: number }; cached_tokens: number };
}

/** Tokens Cohere adds around the prompt (its own preamble): counted in `tokens`, not in `billed_units`. */
export const COHERE_PREAMBLE_TOKENS = 12;

export function uuidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function documentText(data: Record<string, unknown>): string {
  for (const k of ['text', 'snippet', 'content']) if (typeof data[k] === 'string') return data[k] as string;
  return JSON.stringify(data);
}

export function planCohereChat(body: Record<string, any>, v: ValidatedChat, seq: number, replyText?: string): CohereChatPlan {
  const messages: any[] = body.messages;
  let lastUser = -1;
  messages.forEach((m, i) => { if (m.role === 'user') lastUser = i; });
  const userText = lastUser === -1 ? '' : contentText(messages[lastUser].content);
  const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
  const tools: any[] = body.tools ?? [];
  const forced = body.tool_choice === 'REQUIRED';
  const wantsTool = tools.length > 0 && body.tool_choice !== 'NONE' && (forced || (!results.length && userText.includes('call tool')));

  const plan: CohereChatPlan = {
    id: uuidOf(`chat${seq}`),
    thinking: body.thinking?.type === 'enabled' ? `Let me think about "${userText}".` : null,
    text: null,
    toolPlan: null,
    toolCalls: [],
    citations: [],
    finish: 'COMPLETE',
    usage: { billed_units: { input_tokens: 0, output_tokens: 0 }, tokens: { input_tokens: 0, output_tokens: 0 }, cached_tokens: 0 },
  };

  if (wantsTool) {
    const chosen = [tools[0]];
    if (userText.includes('call tools') && tools.length > 1) chosen.push(tools[1]);
    plan.toolPlan = `I will call ${chosen.map((t) => t.function.name).join(' and ')}.`;
    plan.toolCalls = chosen.map((t, k) => ({
      id: `${t.function.name}_${hashId(`${seq}|${k}`, 12).toLowerCase()}`,
      type: 'function',
      function: { name: t.function.name, arguments: JSON.stringify(sampleForSchema(t.function.parameters, userText)) },
    }));
    plan.finish = 'TOOL_CALL';
  } else {
    const rf = body.response_format;
    let text: string;
    if (rf?.type === 'json_object') text = JSON.stringify(rf.json_schema ? sampleForSchema(rf.json_schema, userText) : { echo: userText });
    else text = replyText ?? (results.length ? `tool said: ${results.map((r) => contentText(r.content)).join(' | ')}` : `echo: ${userText}`);
    if (v.documents.length && rf === undefined) {
      const doc = v.documents[0];
      const quoted = documentText(doc.data).slice(0, 60);
      const prefix = `${text}. From ${doc.id}: `;
      text = prefix + quoted;
      plan.citations.push({ start: prefix.length, end: text.length, text: quoted, sources: [{ type: 'document', id: doc.id, document: { id: doc.id, ...doc.data } }], type: 'TEXT_CONTENT' });
    }
    for (const s of body.stop_sequences ?? []) {
      const at = text.indexOf(s);
      if (at !== -1) { text = text.slice(0, at); plan.finish = 'STOP_SEQUENCE'; break; }
    }
    if (typeof body.max_tokens === 'number' && tokensOf(text) > body.max_tokens) {
      text = text.slice(0, body.max_tokens * 4);
      plan.finish = 'MAX_TOKENS';
      plan.citations = plan.citations.filter((c) => c.end <= text.length);
    }
    plan.text = text;
  }

  const prompt = JSON.stringify(messages) + JSON.stringify(body.tools ?? []) + JSON.stringify(body.documents ?? []);
  const input = tokensOf(prompt);
  const output = tokensOf([plan.thinking, plan.text, plan.toolPlan, ...plan.toolCalls.map((t) => t.function.name + t.function.arguments)].filter(Boolean).join(''));
  plan.usage = {
    billed_units: { input_tokens: input, output_tokens: output },
    tokens: { input_tokens: input + COHERE_PREAMBLE_TOKENS, output_tokens: output },
    cached_tokens: 0,
  };
  return plan;
}

export function cohereChatResponse(plan: CohereChatPlan): Record<string, unknown> {
  const content: unknown[] = [];
  if (plan.thinking) content.push({ type: 'thinking', thinking: plan.thinking });
  if (plan.text !== null) content.push({ type: 'text', text: plan.text });
  const message: Record<string, unknown> = { role: 'assistant' };
  if (plan.toolPlan) message.tool_plan = plan.toolPlan;
  if (plan.toolCalls.length) message.tool_calls = plan.toolCalls;
  if (content.length) message.content = content;
  if (plan.citations.length) message.citations = plan.citations;
  return { id: plan.id, message, finish_reason: plan.finish, usage: plan.usage };
}

export interface CohereStreamEvent {
  type: string;
  [k: string]: unknown;
}

/** The SSE event sequence for a plan, as the real API streams it (written as `event: <type>` + `data:`). */
export function cohereChatEvents(plan: CohereChatPlan): CohereStreamEvent[] {
  const out: CohereStreamEvent[] = [
    { id: plan.id, type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
  ];
  let index = 0;
  if (plan.thinking) {
    out.push({ type: 'content-start', index, delta: { message: { content: { type: 'thinking', thinking: '' } } } });
    for (const p of splitWords(plan.thinking)) out.push({ type: 'content-delta', index, delta: { message: { content: { thinking: p } } } });
    out.push({ type: 'content-end', index: index++ });
  }
  if (plan.toolPlan) for (const p of splitWords(plan.toolPlan)) out.push({ type: 'tool-plan-delta', delta: { message: { tool_plan: p } } });
  plan.toolCalls.forEach((t, i) => {
    out.push({ type: 'tool-call-start', index: i, delta: { message: { tool_calls: { id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } } } } });
    const args = t.function.arguments;
    const size = Math.max(1, Math.ceil(args.length / 3));
    for (let k = 0; k < args.length; k += size) out.push({ type: 'tool-call-delta', index: i, delta: { message: { tool_calls: { function: { arguments: args.slice(k, k + size) } } } } });
    out.push({ type: 'tool-call-end', index: i });
  });
  if (plan.text !== null) {
    out.push({ type: 'content-start', index, delta: { message: { content: { type: 'text', text: '' } } } });
    for (const p of splitWords(plan.text)) out.push({ type: 'content-delta', index, delta: { message: { content: { text: p } } } });
    out.push({ type: 'content-end', index });
  }
  plan.citations.forEach((c, i) => {
    out.push({ type: 'citation-start', index: i, delta: { message: { citations: c } } });
    out.push({ type: 'citation-end', index: i });
  });
  out.push({ type: 'message-end', delta: { finish_reason: plan.finish, usage: plan.usage } });
  return out;
}

// ----------------------------------------------------------------------------- embed and rerank

function packBits(vector: number[], signed: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < vector.length; i += 8) {
    let byte = 0;
    for (let b = 0; b < 8; b++) if ((vector[i + b] ?? -1) > 0) byte |= 1 << (7 - b);
    out.push(signed ? byte - 128 : byte);
  }
  return out;
}

export function cohereEmbedResponse(body: Record<string, any>, items: EmbedItem[], seq: number): Record<string, unknown> {
  const dims: number = body.output_dimension ?? 8;
  const vectors = items.map((it) => embeddingVector('text' in it ? it.text : it.image, dims));
  const embeddings: Record<string, unknown> = {};
  for (const type of body.embedding_types as string[]) {
    embeddings[type] = vectors.map((v) => {
      switch (type) {
        case 'int8': return v.map((x) => Math.round(x * 127));
        case 'uint8': return v.map((x) => Math.round((x + 1) * 127.5));
        case 'binary': return packBits(v, true);
        case 'ubinary': return packBits(v, false);
        case 'base64': return float32Base64(v);
        default: return v;
      }
    });
  }
  const textTokens = items.reduce((n, it) => n + ('text' in it ? tokensOf(it.text) : 0), 0);
  const images = items.filter((it) => 'image' in it).length;
  const billed: Record<string, number> = {};
  if (textTokens) billed.input_tokens = textTokens;
  if (images) billed.images = images;
  const out: Record<string, unknown> = {
    id: uuidOf(`embed${seq}`),
    embeddings,
    meta: { api_version: { version: '2' }, billed_units: billed },
    response_type: 'embeddings_by_type',
  };
  if (body.texts) out.texts = body.texts;
  return out;
}

const words = (s: string): Set<string> => new Set(s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));

/** Relevance = share of query words found in the document, nudged by a hash so ties order stably. */
export function cohereRerankResponse(body: Record<string, any>, documents: string[], seq: number): Record<string, unknown> {
  const q = words(body.query);
  const scored = documents.map((d, index) => {
    const w = words(d);
    const hits = [...q].filter((x) => w.has(x)).length;
    const jitter = createHash('sha256').update(`${body.query}\n${d}`).digest().readUInt16LE(0) / 65536 / 100;
    return { index, relevance_score: Math.fround(Math.min(0.999, (hits / Math.max(1, q.size)) * 0.9 + jitter)) };
  });
  scored.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  return {
    id: uuidOf(`rerank${seq}`),
    results: typeof body.top_n === 'number' ? scored.slice(0, body.top_n) : scored,
    meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
  };
}
