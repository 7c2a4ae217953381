/**
 * Deterministic answers for the Gemini mock, in the GenerateContentResponse shape: an echo of
 * the last user text, a function call when asked for, thought parts with includeThoughts, JSON
 * that fits the responseSchema, a SAFETY block for "unsafe", and usageMetadata.
 */
import { createHash } from 'node:crypto';
import type { GeminiValidatedRequest } from './gemini-validate.js';
import { tokensOf } from './openai-reply.js';

/** One candidate as planned, before it is shaped into a full or streamed answer. */
export interface GeminiPlannedCandidate {
  thought: string | null;
  text: string | null;
  call: { name: string; args: Record<string, unknown> } | null;
  finishReason: 'STOP' | 'MAX_TOKENS' | 'SAFETY';
  signature: string | null;
}

export interface GeminiPlan {
  candidates: GeminiPlannedCandidate[];
  /** Set when the prompt itself is blocked (no candidates at all). */
  blockReason: string | null;
  promptTokens: number;
  thoughtsTokens: number;
  logprobs: { top: number } | null;
}

function lastUserContent(v: GeminiValidatedRequest) {
  for (let i = v.contents.length - 1; i >= 0; i--) if (v.contents[i].role === 'user') return v.contents[i];
  return undefined;
}

/** A value that fits a (validated) Gemini schema: enums take their first value, strings the seed. */
export function sampleForSchema(schema: Record<string, any> | undefined, seed: string, depth = 0): unknown {
  if (!schema || depth > 8) return seed;
  if (schema.anyOf?.length) return sampleForSchema(schema.anyOf[0], seed, depth + 1);
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  switch (String(schema.type ?? (schema.properties ? 'OBJECT' : 'STRING')).toUpperCase()) {
    case 'INTEGER':
      return 1;
    case 'NUMBER':
      return 1.5;
    case 'BOOLEAN':
      return true;
    case 'ARRAY':
      return [sampleForSchema(schema.items, seed, depth + 1)];
    case 'OBJECT': {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries((schema.properties ?? {}) as Record<string, any>)) out[k] = sampleForSchema(sub, seed, depth + 1);
      return out;
    }
    default:
      return seed;
  }
}

export function planGenerate(v: GeminiValidatedRequest, replyText: string | undefined): GeminiPlan {
  const g = v.generationConfig;
  const last = lastUserContent(v);
  const userText = (last?.parts ?? []).map((p) => p.text ?? '').join('');
  const toolResult = last?.parts.find((p) => p.functionResponse)?.functionResponse;
  const promptText = v.systemText + v.contents.map((c) => c.parts.map((p) => p.text ?? JSON.stringify(p)).join('')).join('');
  const promptTokens = tokensOf(promptText);
  const thinking = g.thinkingConfig !== undefined && g.thinkingConfig.thinkingBudget !== 0;
  const includeThoughts = thinking && g.thinkingConfig.includeThoughts === true;
  const logprobs = g.responseLogprobs === true ? { top: g.logprobs ?? 0 } : null;

  if (/prompt-block/.test(userText)) {
    return { candidates: [], blockReason: 'SAFETY', promptTokens, thoughtsTokens: 0, logprobs };
  }

  const base = toolResult ? `tool said: ${typeof toolResult.response?.content === 'string' ? toolResult.response.content : JSON.stringify(toolResult.response)}` : `echo: ${userText}`;
  const n = g.candidateCount ?? 1;
  const candidates: GeminiPlannedCandidate[] = [];
  let thoughtsTokens = 0;
  for (let i = 0; i < n; i++) {
    const thought = includeThoughts ? `Thinking about: ${userText || 'the tool result'}` : null;
    if (thinking) thoughtsTokens += tokensOf(`Thinking about: ${userText}`);
    const signature = thinking ? createHash('sha256').update(`sig|${i}|${userText}`).digest('base64') : null;
    if (/unsafe/i.test(userText)) {
      candidates.push({ thought: null, text: null, call: null, finishReason: 'SAFETY', signature: null });
      continue;
    }
    const wantsCall = v.declarations.length > 0 && v.toolMode !== 'NONE' && !toolResult && (v.toolMode === 'ANY' || /call tool/i.test(userText));
    if (wantsCall) {
      const decl = v.declarations.find((d) => !v.allowedFunctionNames || v.allowedFunctionNames.includes(d.name)) ?? v.declarations[0];
      const args = (decl.parameters ? sampleForSchema(decl.parameters, userText) : {}) as Record<string, unknown>;
      candidates.push({ thought, text: null, call: { name: decl.name, args }, finishReason: 'STOP', signature });
      continue;
    }
    let text: string;
    if (g.responseMimeType === 'application/json') {
      text = JSON.stringify(g.responseSchema ? sampleForSchema(g.responseSchema, base) : { echo: base });
    } else {
      text = replyText ?? base;
      if (n > 1) text = `${text} (${i + 1})`;
    }
    let finishReason: GeminiPlannedCandidate['finishReason'] = 'STOP';
    for (const stop of (g.stopSequences ?? []) as string[]) {
      const at = text.indexOf(stop);
      if (at !== -1) text = text.slice(0, at);
    }
    if (g.maxOutputTokens !== undefined && tokensOf(text) > g.maxOutputTokens) {
      text = text.slice(0, g.maxOutputTokens * 4);
      finishReason = 'MAX_TOKENS';
    }
    candidates.push({ thought, text, call: null, finishReason, signature: null });
  }
  return { candidates, blockReason: null, promptTokens, thoughtsTokens, logprobs };
}

const SAFETY_RATINGS = [
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
];

function logprobsResult(text: string, top: number) {
  const tokens = text.split(/(?<=\s)/).filter(Boolean);
  const chosen = tokens.map((token, i) => ({ token, tokenId: i + 1, logProbability: -0.1 * ((i % 5) + 1) }));
  return {
    topCandidates: chosen.map((c) => ({ candidates: Array.from({ length: top }, (_, k) => ({ ...c, logProbability: c.logProbability - k })) })),
    chosenCandidates: chosen,
  };
}

function parts(c: GeminiPlannedCandidate, textPiece: string | null, withThought: boolean): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (withThought && c.thought) out.push({ text: c.thought, thought: true });
  if (textPiece !== null) out.push({ text: textPiece });
  if (c.call) out.push({ functionCall: { name: c.call.name, args: c.call.args }, ...(c.signature ? { thoughtSignature: c.signature } : {}) });
  return out;
}

export function geminiUsageMetadata(plan: GeminiPlan, complete = true): Record<string, unknown> {
  const candidatesTokens = complete ? plan.candidates.reduce((n, c) => n + tokensOf((c.text ?? '') + (c.call ? JSON.stringify(c.call) : '')), 0) : 0;
  const u: Record<string, unknown> = {
    promptTokenCount: plan.promptTokens,
    totalTokenCount: plan.promptTokens + candidatesTokens + (complete ? plan.thoughtsTokens : 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: plan.promptTokens }],
  };
  if (complete && candidatesTokens) u.candidatesTokenCount = candidatesTokens;
  if (complete && plan.thoughtsTokens) u.thoughtsTokenCount = plan.thoughtsTokens;
  return u;
}

export interface GeminiMeta {
  model: string;
  responseId: string;
}

/** Proto3 JSON leaves out default values: candidate 0 has no `index`. */
const withIndex = (i: number, c: Record<string, unknown>) => (i === 0 ? c : { ...c, index: i });

export function generateContentResponse(plan: GeminiPlan, meta: GeminiMeta): Record<string, unknown> {
  const base = { usageMetadata: geminiUsageMetadata(plan), modelVersion: meta.model, responseId: meta.responseId };
  if (plan.blockReason) return { promptFeedback: { blockReason: plan.blockReason, safetyRatings: SAFETY_RATINGS }, ...base };
  return {
    candidates: plan.candidates.map((c, i) => {
      if (c.finishReason === 'SAFETY') return withIndex(i, { finishReason: 'SAFETY', safetyRatings: SAFETY_RATINGS });
      const cand: Record<string, unknown> = { content: { parts: parts(c, c.text, true), role: 'model' }, finishReason: c.finishReason };
      if (plan.logprobs && c.text) {
        cand.logprobsResult = logprobsResult(c.text, plan.logprobs.top);
        cand.avgLogprobs = -0.3;
      }
      return withIndex(i, cand);
    }),
    ...base,
  };
}

function splitWords(text: string, perPiece = 3): string[] {
  const words = text.split(/(?<=\s)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += perPiece) out.push(words.slice(i, i + perPiece).join(''));
  return out.length ? out : [''];
}

/** The same answer as streamGenerateContent sends it: thoughts, then text pieces, then the finish. */
export function generateContentChunks(plan: GeminiPlan, meta: GeminiMeta): Array<Record<string, unknown>> {
  const head = { modelVersion: meta.model, responseId: meta.responseId };
  if (plan.blockReason) return [{ promptFeedback: { blockReason: plan.blockReason, safetyRatings: SAFETY_RATINGS }, usageMetadata: geminiUsageMetadata(plan), ...head }];
  const events: Array<Record<string, unknown>> = [];
  const partial = geminiUsageMetadata(plan, false);
  plan.candidates.forEach((c, i) => {
    if (c.finishReason === 'SAFETY') return;
    if (c.thought) events.push({ candidates: [withIndex(i, { content: { parts: [{ text: c.thought, thought: true }], role: 'model' } })], usageMetadata: partial, ...head });
    if (c.text) {
      for (const piece of splitWords(c.text)) events.push({ candidates: [withIndex(i, { content: { parts: [{ text: piece }], role: 'model' } })], usageMetadata: partial, ...head });
    }
    if (c.call) events.push({ candidates: [withIndex(i, { content: { parts: parts(c, null, false), role: 'model' } })], usageMetadata: partial, ...head });
  });
  // The last event carries every finish reason and the complete usage.
  events.push({
    candidates: plan.candidates.map((c, i) =>
      withIndex(i, c.finishReason === 'SAFETY'
        ? { finishReason: 'SAFETY', safetyRatings: SAFETY_RATINGS }
        : { content: { parts: [{ text: '' }], role: 'model' }, finishReason: c.finishReason })),
    usageMetadata: geminiUsageMetadata(plan),
    ...head,
  });
  return events;
}

