/**
 * Deterministic answers for the Bedrock mock: the Converse response body, the ConverseStream event
 * sequence (messageStart, per block contentBlockStart (tool use only) / contentBlockDelta /
 * contentBlockStop, messageStop, metadata), InvokeModel embeddings (Titan text v1/v2, Cohere embed)
 * and the agent-runtime Rerank answer. Shapes from the Bedrock Runtime / Agent Runtime API reference
 * and `@aws-sdk/client-bedrock-runtime` models.
 */
import { embeddingVector, hashId, tokensOf } from './openai-reply.js';
import type { Block, ConverseValidated } from './bedrock-validate.js';

export interface ConverseReplyContext {
  seq: number;
  replyText?: string;
  /** Record a signature / redacted payload handed out (only these are accepted back). */
  issue(token: string): void;
  /** Cache prefixes seen (per model): the first request writes, later ones read. */
  cache: Set<string>;
  modelId: string;
}

export interface ConverseAnswer {
  content: Array<Record<string, unknown>>;
  stopReason: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number; cacheReadInputTokens: number; cacheWriteInputTokens: number };
}

function blockText(b: Block): string {
  switch (b.kind) {
    case 'text': return b.text;
    case 'toolUse': return b.name + JSON.stringify(b.input);
    case 'toolResult': return b.text;
    case 'reasoning': return b.text;
    default: return '';
  }
}

/** The prompt in cache-prefix order (tools, system, messages), split where cachePoint blocks stand. */
function prompt(v: ConverseValidated): Array<{ text: string; breakpoint: boolean }> {
  const out: Array<{ text: string; breakpoint: boolean }> = [];
  for (const t of v.tools) out.push({ text: JSON.stringify(t), breakpoint: false });
  if (v.toolsCached && out.length) out[out.length - 1].breakpoint = true;
  for (const s of v.system) {
    if (s.cachePoint) { if (out.length) out[out.length - 1].breakpoint = true; }
    else out.push({ text: s.text ?? '', breakpoint: false });
  }
  for (const t of v.turns) {
    for (const b of t.blocks) {
      if (b.kind === 'cachePoint') { if (out.length) out[out.length - 1].breakpoint = true; }
      else out.push({ text: blockText(b), breakpoint: false });
    }
  }
  return out;
}

export function promptTokens(v: ConverseValidated): number {
  return tokensOf(prompt(v).map((s) => s.text).join(''));
}

function inputUsage(v: ConverseValidated, rc: ConverseReplyContext): { inputTokens: number; cacheReadInputTokens: number; cacheWriteInputTokens: number } {
  const segs = prompt(v);
  const total = tokensOf(segs.map((s) => s.text).join(''));
  const last = segs.map((s) => s.breakpoint).lastIndexOf(true);
  if (last === -1) return { inputTokens: total, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
  const prefix = segs.slice(0, last + 1).map((s) => s.text).join('');
  const cached = tokensOf(prefix);
  const key = `${rc.modelId}\n${prefix}`;
  const hit = rc.cache.has(key);
  rc.cache.add(key);
  return { inputTokens: Math.max(0, total - cached), cacheReadInputTokens: hit ? cached : 0, cacheWriteInputTokens: hit ? 0 : cached };
}

/** A value per schema property, so a forced tool answers something schema-shaped. */
function sample(schema: any, text: string): unknown {
  switch (schema?.type) {
    case 'string': return Array.isArray(schema.enum) ? schema.enum[0] : text;
    case 'number':
    case 'integer': return 1;
    case 'boolean': return true;
    case 'array': return [sample(schema.items, text)];
    default: {
      const props = schema?.properties && typeof schema.properties === 'object' ? schema.properties : null;
      if (!props || !Object.keys(props).length) return { echo: text };
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, sample(s, text)]));
    }
  }
}

export function planConverse(v: ConverseValidated, rc: ConverseReplyContext): ConverseAnswer {
  const last = v.turns[v.turns.length - 1];
  const userTurn = last.role === 'user' ? last : v.turns[v.turns.length - 2];
  const results = userTurn?.blocks.filter((b) => b.kind === 'toolResult') ?? [];
  const userText = (userTurn?.blocks ?? []).filter((b) => b.kind === 'text').map(blockText).join('\n');
  const content: Array<Record<string, unknown>> = [];
  let stopReason = 'end_turn';

  if (v.thinkingBudget !== null && !results.length) {
    const text = `Let me think about "${userText}".`;
    const signature = `EqMockBedrock${hashId(`${rc.seq}|${text}`, 40)}==`;
    rc.issue(signature);
    content.push({ reasoningContent: { reasoningText: { text, signature } } });
    if (userText.includes('redact')) {
      const redacted = Buffer.from(`redacted-${hashId(`r${rc.seq}`, 24)}`).toString('base64');
      rc.issue(redacted);
      content.push({ reasoningContent: { redactedContent: redacted } });
    }
  }

  const tc = v.toolChoice;
  const forced = tc?.kind === 'any' || tc?.kind === 'tool';
  const wantsTool = v.tools.length > 0 && (forced || (!results.length && userText.includes('call tool')));
  if (userText.includes('refuse me')) {
    stopReason = 'content_filtered';
  } else if (userText.includes('guardrail me')) {
    content.push({ text: 'Sorry, the model cannot answer this question.' });
    stopReason = 'guardrail_intervened';
  } else if (wantsTool) {
    const first = tc?.kind === 'tool' ? v.tools.find((t) => t.name === tc.name)! : v.tools[0];
    const chosen = [first];
    if (!forced && userText.includes('call tools') && v.tools.length > 1) chosen.push(v.tools[1]);
    if (!forced) content.push({ text: `I'll call ${chosen.map((t) => t.name).join(' and ')}.` });
    chosen.forEach((t, k) => {
      content.push({ toolUse: { toolUseId: `tooluse_${hashId(`${rc.seq}|${k}|${t.name}`, 22)}`, name: t.name, input: sample(t.inputSchema, userText) } });
    });
    stopReason = 'tool_use';
  } else {
    let text = rc.replyText ?? (results.length ? `tool said: ${results.map(blockText).join(' | ')}` : `echo: ${userText}`);
    for (const s of v.stopSequences) {
      const at = text.indexOf(s);
      if (at !== -1) { text = text.slice(0, at); stopReason = 'stop_sequence'; break; }
    }
    if (v.maxTokens !== undefined && tokensOf(text) > v.maxTokens) {
      text = text.slice(0, v.maxTokens * 4);
      stopReason = 'max_tokens';
    }
    if (text) content.push({ text });
  }

  const outputTokens = tokensOf(content.map((b) => (typeof b.text === 'string' ? b.text : JSON.stringify(b))).join(''));
  const input = inputUsage(v, rc);
  return {
    content,
    stopReason,
    usage: { ...input, outputTokens, totalTokens: input.inputTokens + input.cacheReadInputTokens + input.cacheWriteInputTokens + outputTokens },
  };
}

export function converseBody(a: ConverseAnswer, latencyMs: number): Record<string, unknown> {
  return { output: { message: { role: 'assistant', content: a.content } }, stopReason: a.stopReason, usage: a.usage, metrics: { latencyMs } };
}

export interface ConverseStreamEvent {
  type: string;
  payload: Record<string, unknown>;
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * The ConverseStream events for an answer, as Bedrock sends them: text and reasoning blocks have no
 * contentBlockStart, a tool use block starts with its id and name and streams its input as JSON text.
 * Each payload carries Bedrock's `p` padding field (random-length filler the service adds).
 */
export function converseEvents(a: ConverseAnswer, latencyMs: number): ConverseStreamEvent[] {
  const ev = (type: string, payload: Record<string, unknown>): ConverseStreamEvent => ({ type, payload: { ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.slice(0, 4 + (type.length % 20)) } });
  const out: ConverseStreamEvent[] = [ev('messageStart', { role: 'assistant' })];
  a.content.forEach((b, contentBlockIndex) => {
    const delta = (d: Record<string, unknown>): void => { out.push(ev('contentBlockDelta', { contentBlockIndex, delta: d })); };
    if (typeof b.text === 'string') {
      for (const p of pieces(b.text, 12)) delta({ text: p });
    } else if (b.reasoningContent) {
      const r = b.reasoningContent as { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
      if (r.reasoningText) {
        for (const p of pieces(r.reasoningText.text, 16)) delta({ reasoningContent: { text: p } });
        if (r.reasoningText.signature) delta({ reasoningContent: { signature: r.reasoningText.signature } });
      } else {
        delta({ reasoningContent: { redactedContent: r.redactedContent } });
      }
    } else if (b.toolUse) {
      const t = b.toolUse as { toolUseId: string; name: string; input: unknown };
      out.push(ev('contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId: t.toolUseId, name: t.name } } }));
      const json = JSON.stringify(t.input);
      for (const p of pieces(json, Math.ceil(json.length / 3))) delta({ toolUse: { input: p } });
    }
    out.push(ev('contentBlockStop', { contentBlockIndex }));
  });
  out.push(ev('messageStop', { stopReason: a.stopReason }));
  out.push(ev('metadata', { usage: a.usage, metrics: { latencyMs } }));
  return out;
}

// ---------------------------------------------------------------- InvokeModel: embeddings

/**
 * Titan text embeddings: v1 takes `{inputText}` only; v2 adds dimensions (256/512/1024), normalize and
 * embeddingTypes (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html).
 */
export function titanEmbedding(body: Record<string, any>, v2: boolean): { body: Record<string, unknown>; tokens: number } {
  const tokens = tokensOf(body.inputText);
  const dims = v2 ? (body.dimensions ?? 1024) : 1536;
  const vector = embeddingVector(body.inputText, dims);
  if (!v2) return { body: { embedding: vector, inputTextTokenCount: tokens }, tokens };
  const types: string[] = body.embeddingTypes ?? ['float'];
  const byType: Record<string, unknown> = {};
  if (types.includes('float')) byType.float = vector;
  if (types.includes('binary')) byType.binary = vector.map((x) => (x > 0 ? 1 : 0));
  return { body: { embedding: vector, inputTextTokenCount: tokens, embeddingsByType: byType }, tokens };
}

/** Cohere embed on Bedrock (model-parameters-embed.html): floats, or `embeddings_by_type` when embedding_types is given. */
export function cohereEmbedding(body: Record<string, any>, dims: number, seq: number): { body: Record<string, unknown>; tokens: number } {
  const texts: string[] = body.texts;
  const vectors = texts.map((t) => embeddingVector(t, body.output_dimension ?? dims));
  const tokens = texts.reduce((n, t) => n + tokensOf(t), 0);
  const id = `emb-${hashId(`cohere${seq}`, 16)}`;
  if (!body.embedding_types) return { body: { id, embeddings: vectors, response_type: 'embeddings_floats', texts }, tokens };
  const byType: Record<string, unknown> = {};
  for (const t of body.embedding_types as string[]) byType[t] = t === 'float' ? vectors : vectors.map((v) => v.map((x) => Math.round(x * 127)));
  return { body: { id, embeddings: byType, response_type: 'embeddings_by_type', texts }, tokens };
}

// ---------------------------------------------------------------- Agent Runtime: Rerank

/** Word-overlap relevance, best first; `document` echoed back (as Rerank returns it). */
export function rerankResults(query: string, docs: Array<{ type: string; textDocument?: { text: string }; jsonDocument?: unknown }>, n: number): Array<Record<string, unknown>> {
  const words = new Set(query.toLowerCase().split(/\W+/).filter(Boolean));
  const scored = docs.map((d, index) => {
    const text = d.type === 'TEXT' ? d.textDocument?.text ?? '' : JSON.stringify(d.jsonDocument ?? {});
    const tokens = text.toLowerCase().split(/\W+/).filter(Boolean);
    const hits = tokens.filter((t) => words.has(t)).length;
    return { index, relevanceScore: Math.round((hits / (tokens.length || 1)) * 1e6) / 1e6, document: d };
  });
  scored.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
  return scored.slice(0, n);
}
