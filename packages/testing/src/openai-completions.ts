/**
 * The legacy Completions endpoint (`POST /v1/completions`) for the OpenAI mock. Parameters, types
 * and ranges from the API reference (platform.openai.com/docs/api-reference/completions/create, as
 * the openai npm package's `CompletionCreateParamsBase` has them); answers in its `text_completion`
 * shape, the same object whole and streamed. A chat model gets OpenAI's 404 ("This is a chat model
 * and not supported in the v1/completions endpoint", quoted in tmc/langchaingo#201 and
 * hegelai/prompttools#115), and `max_tokens` defaults to 16, as the endpoint's does.
 */
import { badRequest, checkNumber, checkType, missingParam, openAIError } from './openai-errors.js';
import { splitWords, tokensOf, usageOf } from './openai-reply.js';
import { checkModel, checkTopLevel, isValidTokenOrTextInput, validateLogitBias, validateStop, validateStreaming, type ChatValidationOptions } from './openai-validate.js';
import type { HttpError } from './http.js';

export const COMPLETION_PARAMS: readonly string[] = [
  'model', 'prompt', 'best_of', 'echo', 'frequency_penalty', 'logit_bias', 'logprobs', 'max_tokens', 'n', 'presence_penalty',
  'seed', 'stop', 'stream', 'stream_options', 'suffix', 'temperature', 'top_p', 'user',
];

/** Models the endpoint serves (the API reference's list); fine-tunes of them (`ft:davinci-002:...`) too. */
export const COMPLETION_MODELS: readonly string[] = ['gpt-3.5-turbo-instruct', 'gpt-3.5-turbo-instruct-0914', 'davinci-002', 'babbage-002'];

/** The endpoint's default `max_tokens`. */
export const COMPLETION_DEFAULT_MAX_TOKENS = 16;

export function validateCompletion(body: Record<string, any>, opts: ChatValidationOptions): void {
  checkTopLevel(body, COMPLETION_PARAMS, opts.rejectParams);
  checkModel(body.model, opts.requireModel);
  if (body.prompt === undefined || body.prompt === null) throw missingParam('prompt');
  if (!isValidTokenOrTextInput(body.prompt)) {
    throw badRequest("'$.prompt' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  }
  checkNumber('max_tokens', body.max_tokens, { min: 0, integer: true });
  checkNumber('temperature', body.temperature, { min: 0, max: 2 });
  checkNumber('top_p', body.top_p, { min: 0, max: 1 });
  checkNumber('n', body.n, { min: 1, max: 128, integer: true });
  checkNumber('best_of', body.best_of, { min: 0, max: 20, integer: true });
  checkNumber('logprobs', body.logprobs, { min: 0, max: 5, integer: true });
  checkNumber('frequency_penalty', body.frequency_penalty, { min: -2, max: 2 });
  checkNumber('presence_penalty', body.presence_penalty, { min: -2, max: 2 });
  checkNumber('seed', body.seed, { integer: true });
  for (const k of ['echo', 'stream'] as const) checkType(k, body[k], 'boolean');
  for (const k of ['suffix', 'user'] as const) checkType(k, body[k], 'string');
  validateStop(body.stop);
  validateLogitBias(body.logit_bias);
  validateStreaming(body);
}

/** A model the endpoint does not serve: a chat model's own 404, else the usual "does not exist". */
export function completionModelError(model: string): HttpError {
  if (/^(gpt-|o\d|chatgpt-)/.test(model)) {
    return openAIError(404, 'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?', 'model');
  }
  return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, null, 'model_not_found');
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
  replyText?: string;
}

interface PlannedText {
  index: number;
  text: string;
  finish: 'stop' | 'length';
}

/** The prompts of a request: strings as they are, token arrays as "tokens:N". */
function promptsOf(prompt: string | string[] | number[] | number[][]): string[] {
  if (typeof prompt === 'string') return [prompt];
  if ((prompt as unknown[]).every((p) => typeof p === 'number')) return [`tokens:${prompt.length}`];
  return (prompt as Array<string | number[]>).map((p) => (typeof p === 'string' ? p : `tokens:${p.length}`));
}

/** n choices per prompt, indexed prompt by prompt; each "echo: <prompt>" cut at a stop sequence or at max_tokens. */
function plan(body: Record<string, any>, replyText: string | undefined): { choices: PlannedText[]; usage: ReturnType<typeof usageOf> } {
  const prompts = promptsOf(body.prompt);
  const n: number = body.n ?? 1;
  const limit: number = body.max_tokens ?? COMPLETION_DEFAULT_MAX_TOKENS;
  const stops: string[] = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const choices: PlannedText[] = [];
  let completion = 0;
  prompts.forEach((p, pi) => {
    for (let i = 0; i < n; i++) {
      let text = replyText ?? `echo: ${p}`;
      for (const s of stops) {
        const at = s === '' ? -1 : text.indexOf(s);
        if (at >= 0) text = text.slice(0, at);
      }
      let finish: PlannedText['finish'] = 'stop';
      if (tokensOf(text) > limit) { text = text.slice(0, limit * 4); finish = 'length'; }
      completion += tokensOf(text);
      choices.push({ index: pi * n + i, text: body.echo === true ? p + text : text, finish });
    }
  });
  const prompt = prompts.reduce((sum, p) => sum + tokensOf(p), 0);
  return { choices, usage: usageOf(prompt, completion) };
}

function logprobsOf(text: string, top: number) {
  const tokens = splitWords(text, 1);
  let offset = 0;
  const text_offset = tokens.map((t) => { const o = offset; offset += t.length; return o; });
  return { tokens, token_logprobs: tokens.map(() => 0), top_logprobs: tokens.map((t) => (top > 0 ? { [t]: 0 } : {})), text_offset };
}

export function completionResponse(body: Record<string, any>, meta: CompletionMeta): Record<string, unknown> {
  const p = plan(body, meta.replyText);
  return {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    choices: p.choices.map((c) => ({ text: c.text, index: c.index, logprobs: body.logprobs != null ? logprobsOf(c.text, body.logprobs) : null, finish_reason: c.finish })),
    usage: p.usage,
  };
}

/** Every event of a streamed completion (without [DONE]): text pieces, a finish per choice, the usage event when asked. */
export function completionChunks(body: Record<string, any>, meta: CompletionMeta): Record<string, unknown>[] {
  const p = plan(body, meta.replyText);
  const includeUsage = body.stream_options?.include_usage === true;
  const event = (choices: unknown[], usage?: unknown) => ({
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    choices,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const out: Record<string, unknown>[] = [];
  for (const c of p.choices) {
    for (const piece of splitWords(c.text)) out.push(event([{ text: piece, index: c.index, logprobs: null, finish_reason: null }]));
    out.push(event([{ text: '', index: c.index, logprobs: null, finish_reason: c.finish }]));
  }
  if (includeUsage) out.push(event([], p.usage));
  return out;
}
