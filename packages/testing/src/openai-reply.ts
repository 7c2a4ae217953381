/**
 * Deterministic reply bodies for the OpenAI mock: chat completions (whole and
 * as chunks), embeddings and models, in the shapes api.openai.com returns.
 */
import { createHash } from 'node:crypto';

export interface ReplyMeta {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
  /** Azure adds content-filter annotations and a leading choice-less chunk. */
  azure: boolean;
}

type ToolCall = { id: string; name: string; arguments: string };
export type PlannedChoice =
  | { kind: 'text'; text: string; finish: 'stop' | 'length' }
  | { kind: 'tool'; call: ToolCall; finish: 'tool_calls' };

export interface ChatPlan {
  choices: PlannedChoice[];
  usage: Record<string, unknown>;
}

export const tokensOf = (text: string): number => Math.ceil(text.length / 4);

export function hashId(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

/** Text of a message `content`: a string, or its text/refusal parts joined by '\n'. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: any) => (p?.type === 'text' ? p.text : p?.type === 'refusal' ? p.refusal : ''))
    .filter((t) => typeof t === 'string' && t !== '')
    .join('\n');
}

export function lastUserText(messages: any[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') return contentText(messages[i].content);
  }
  return '';
}

function messageTokens(m: any): number {
  let text = contentText(m.content);
  for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : []) text += (c.function?.name ?? '') + (c.function?.arguments ?? '');
  return tokensOf(text);
}

export function usageOf(promptTokens: number, completionTokens: number) {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * Decides what the "model" says. A forced tool_choice (required / named) or a
 * last user message containing "call tool" yields a tool call; a trailing tool
 * result yields "tool said: ..."; otherwise the fixed reply or "echo: <text>".
 */
export function planChat(body: Record<string, any>, replyText: string | undefined): ChatPlan {
  const messages: any[] = body.messages;
  const userText = lastUserText(messages);
  const last = messages[messages.length - 1];
  const functions = (Array.isArray(body.tools) ? body.tools : []).filter((t: any) => t.type === 'function');
  const choice = body.tool_choice;
  const forced = choice === 'required' || (typeof choice === 'object' && choice?.type === 'function');
  const wantsTool =
    functions.length > 0 && choice !== 'none' && (forced || (last.role !== 'tool' && /call tool/i.test(userText)));

  const n: number = body.n ?? 1;
  const choices: PlannedChoice[] = [];
  for (let i = 0; i < n; i++) {
    if (wantsTool) {
      const name: string = typeof choice === 'object' ? choice.function.name : functions[0].function.name;
      const call = { id: `call_${hashId(`${userText}|${name}|${i}`, 24)}`, name, arguments: JSON.stringify({ echo: userText }) };
      choices.push({ kind: 'tool', call, finish: 'tool_calls' });
    } else {
      choices.push(textChoice(body, last, userText, replyText));
    }
  }
  const promptTokens = messages.reduce((sum, m) => sum + messageTokens(m), 0);
  const completionTokens = choices.reduce(
    (sum, c) => sum + tokensOf(c.kind === 'text' ? c.text : c.call.name + c.call.arguments),
    0,
  );
  return { choices, usage: usageOf(promptTokens, completionTokens) };
}

function textChoice(body: Record<string, any>, last: any, userText: string, replyText: string | undefined): PlannedChoice {
  const format = body.response_format?.type;
  let text: string;
  if (format === 'json_object' || format === 'json_schema') text = JSON.stringify({ echo: replyText ?? userText });
  else if (last.role === 'tool') text = `tool said: ${contentText(last.content)}`;
  else text = replyText ?? `echo: ${userText}`;

  const stops: string[] = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  for (const s of stops) {
    const at = s === '' ? -1 : text.indexOf(s);
    if (at >= 0) text = text.slice(0, at);
  }
  const limit: number | undefined = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== undefined && tokensOf(text) > limit) return { kind: 'text', text: text.slice(0, limit * 4), finish: 'length' };
  return { kind: 'text', text, finish: 'stop' };
}

/** Splits text into pieces of about three words; joining them gives the text back. */
export function splitWords(text: string, perPiece = 3): string[] {
  const words = text.split(/(?<=\s)(?=\S)/).filter((w) => w !== '');
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += perPiece) pieces.push(words.slice(i, i + perPiece).join(''));
  return pieces;
}

function splitArgs(args: string): string[] {
  const size = Math.max(4, Math.ceil(args.length / 3));
  const out: string[] = [];
  for (let i = 0; i < args.length; i += size) out.push(args.slice(i, i + size));
  return out;
}

const SAFE = { filtered: false, severity: 'safe' };
const FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }];

function logprobsFor(text: string, top: number | undefined) {
  return {
    content: splitWords(text, 1).map((token) => {
      const entry = { token, logprob: 0, bytes: [...Buffer.from(token, 'utf8')] };
      return { ...entry, top_logprobs: top ? [entry] : [] };
    }),
    refusal: null,
  };
}

export function chatCompletion(body: Record<string, any>, plan: ChatPlan, meta: ReplyMeta): Record<string, unknown> {
  const choices = plan.choices.map((c, index) => {
    const message =
      c.kind === 'text'
        ? { role: 'assistant', content: c.text, refusal: null, annotations: [] }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: c.call.id, type: 'function', function: { name: c.call.name, arguments: c.call.arguments } }],
            refusal: null,
            annotations: [],
          };
    const logprobs = body.logprobs && c.kind === 'text' ? logprobsFor(c.text, body.top_logprobs) : null;
    return {
      index,
      message,
      logprobs,
      finish_reason: c.finish,
      ...(meta.azure ? { content_filter_results: FILTER_RESULTS } : {}),
    };
  });
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices,
    usage: plan.usage,
    service_tier: 'default',
    system_fingerprint: meta.fingerprint,
    ...(meta.azure ? { prompt_filter_results: PROMPT_FILTER } : {}),
  };
}

/** Every chunk of a streamed completion, in order (without the final [DONE]). */
export function chatChunks(body: Record<string, any>, plan: ChatPlan, meta: ReplyMeta): Record<string, unknown>[] {
  const includeUsage = body.stream_options?.include_usage === true;
  const usageField = includeUsage ? { usage: null } : {};
  const chunk = (index: number, delta: object, finish: string | null = null, extra: object = {}) => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    service_tier: 'default',
    system_fingerprint: meta.fingerprint,
    choices: [{ index, delta, logprobs: null, finish_reason: finish, ...extra }],
    ...usageField,
  });
  const filtered = meta.azure ? { content_filter_results: FILTER_RESULTS } : {};

  const out: Record<string, unknown>[] = [];
  if (meta.azure) {
    out.push({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER, ...usageField });
  }
  plan.choices.forEach((c, index) => {
    if (c.kind === 'text') {
      out.push(chunk(index, { role: 'assistant', content: '', refusal: null }));
      for (const piece of splitWords(c.text)) {
        const lp = body.logprobs ? { logprobs: logprobsFor(piece, body.top_logprobs) } : {};
        out.push(chunk(index, { content: piece }, null, { ...filtered, ...lp }));
      }
    } else {
      const head = { index: 0, id: c.call.id, type: 'function', function: { name: c.call.name, arguments: '' } };
      out.push(chunk(index, { role: 'assistant', content: null, tool_calls: [head], refusal: null }));
      for (const frag of splitArgs(c.call.arguments)) {
        out.push(chunk(index, { tool_calls: [{ index: 0, function: { arguments: frag } }] }, null, filtered));
      }
    }
    out.push(chunk(index, {}, c.finish, filtered));
  });
  if (includeUsage) {
    const { choices: _choices, usage: _usage, ...rest } = chunk(0, {});
    out.push({ ...rest, choices: [], usage: plan.usage });
  }
  return out;
}

// ---------------------------------------------------------------- embeddings / models

/** A unit-length vector derived from the SHA-256 of the input, rounded to float32. */
export function embeddingVector(input: string | number[], dimensions: number): number[] {
  const seed = typeof input === 'string' ? input : JSON.stringify(input);
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block++) {
    const bytes = createHash('sha256').update(`${block}:${seed}`).digest();
    for (let i = 0; i + 1 < bytes.length && raw.length < dimensions; i += 2) raw.push(bytes.readUInt16LE(i) / 32768 - 1);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

/** Base64 of little-endian float32s, as `encoding_format: 'base64'` returns. */
export function float32Base64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

export function embeddingsResponse(body: Record<string, any>, model: string): Record<string, unknown> {
  const input = body.input;
  const items: (string | number[])[] =
    typeof input === 'string' ? [input] : input.every((t: unknown) => typeof t === 'number') ? [input] : input;
  const dims: number = body.dimensions ?? 8;
  let promptTokens = 0;
  const data = items.map((item, index) => {
    promptTokens += typeof item === 'string' ? tokensOf(item) : item.length;
    const vector = embeddingVector(item, dims);
    return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? float32Base64(vector) : vector };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}

export const MODEL_CREATED = 1_700_000_000;

export const modelObject = (id: string) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'system' });
