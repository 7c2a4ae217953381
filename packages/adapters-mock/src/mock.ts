import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortedError,
  ConfigError,
  SSE_DONE,
  sseEvent,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatMessage,
  type CompletionRequest,
  type EmbeddingRequest,
  type ModerationRequest,
  type RerankRequest,
  type SendOptions,
  type Transport,
  type UpstreamRequest,
  type UpstreamResponse,
  type Usage,
} from '@tollgate/core';

/** A fault a mock deployment answers with, deterministically. */
export interface MockFault {
  /** Answer with this HTTP status and an OpenAI error envelope. */
  status?: number;
  message?: string;
  /** Retry-After header (seconds) on a fault answer. */
  retry_after?: number;
  /** Stream: stop after N chunks without finishing (a cut stream). */
  cut_after_chunks?: number;
  /** Answer 200 with a body that is not valid JSON (or a malformed SSE event). */
  malformed?: boolean;
  /** Only the first N requests fail; later ones succeed (to test retries). */
  times?: number;
}

export interface MockSettings {
  /** Fixed reply text; default: the last user message, echoed. */
  response?: string;
  /** Delay before the answer starts, ms. */
  latencyMs: number;
  /** Delay between stream chunks, ms. */
  chunkDelayMs: number;
  /** How many content chunks a stream is split into. */
  streamChunks: number;
  /** Reply with a tool call when the request offers tools and the last message is the user's. */
  toolCalls: boolean;
  /** Fixed usage, else estimated at 4 characters a token. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  embeddingDimensions: number;
  fault?: MockFault;
}

const encoder = new TextEncoder();

/** Largest embedding the mock computes (a request or `mock_embedding_dimensions` above it is refused). */
export const MAX_EMBEDDING_DIMENSIONS = 8192;

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content) if (p.type === 'text') out += (out ? ' ' : '') + p.text;
  return out;
}

function promptTokens(messages: ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += tokens(textOf(m.content)) + 3;
  return n;
}

function reply(req: ChatCompletionRequest, s: MockSettings): { text: string | null; toolCall: { name: string; args: string } | null } {
  const last = req.messages[req.messages.length - 1];
  if (s.toolCalls && req.tools?.length && req.tool_choice !== 'none' && last?.role === 'user') {
    const named = typeof req.tool_choice === 'object' ? req.tool_choice.function.name : undefined;
    const name = named ?? req.tools[0].function.name;
    return { text: null, toolCall: { name, args: JSON.stringify({ input: textOf(last.content) }) } };
  }
  if (s.response !== undefined) return { text: s.response, toolCall: null };
  if (last?.role === 'tool') return { text: `tool said: ${textOf(last.content)}`, toolCall: null };
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  const echoed = lastUser ? textOf(lastUser.content) : '';
  if (req.response_format?.type === 'json_object' || req.response_format?.type === 'json_schema') {
    return { text: JSON.stringify({ echo: echoed }), toolCall: null };
  }
  return { text: echoed, toolCall: null };
}

function split(text: string, n: number): string[] {
  if (n <= 1 || text.length === 0) return [text];
  const size = Math.ceil(text.length / n);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

function usageFor(req: ChatCompletionRequest, completionText: string, s: MockSettings): Usage {
  const prompt = s.usage?.prompt_tokens ?? promptTokens(req.messages);
  const completion = s.usage?.completion_tokens ?? tokens(completionText);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function respond(status: number, headers: Record<string, string>, body: string | AsyncIterable<Uint8Array>): UpstreamResponse {
  if (typeof body === 'string') {
    return {
      status,
      headers,
      body: (async function* () { yield encoder.encode(body); })(),
      text: async () => body,
      dump: async () => undefined,
    };
  }
  return {
    status,
    headers,
    body,
    text: async () => { let t = ''; const d = new TextDecoder(); for await (const c of body) t += d.decode(c, { stream: true }); return t + d.decode(); },
    dump: async () => undefined,
  };
}

function vector(text: string, dims: number): number[] {
  // FNV-1a seeded per dimension: deterministic, cheap, spread over [-1, 1].
  const out = new Array<number>(dims);
  for (let d = 0; d < dims; d++) {
    let h = 0x811c9dc5 ^ d;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    out[d] = ((h >>> 0) / 0xffffffff) * 2 - 1;
  }
  return out;
}

let seq = 0;

/**
 * The mock provider's transport: no network, the same bytes an OpenAI-format upstream would
 * send, so the whole pipeline (parsing, pass-through, accounting) is exercised.
 */
export class MockTransport implements Transport {
  private failures = 0;

  constructor(private readonly s: MockSettings, private readonly model: string) {}

  async send(request: UpstreamRequest, options: SendOptions): Promise<UpstreamResponse> {
    const s = this.s;
    if (s.latencyMs > 0) await sleep(s.latencyMs, undefined, { signal: options.signal }).catch(() => { throw new AbortedError(); });
    const abort = options.abort ?? options.signal;
    if (abort.aborted) throw new AbortedError();
    const fault = s.fault;
    const faulty = fault && (fault.times === undefined || this.failures < fault.times);
    if (faulty) this.failures++;
    if (faulty && fault.status) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retry_after !== undefined) headers['retry-after'] = String(fault.retry_after);
      const type = fault.status === 429 ? 'rate_limit_error' : fault.status >= 500 ? 'server_error' : 'invalid_request_error';
      return respond(fault.status, headers, JSON.stringify({ error: { message: fault.message ?? `mock fault ${fault.status}`, type, param: null, code: null } }));
    }
    const body = JSON.parse(String(request.body)) as Record<string, unknown>;
    if (request.url.endsWith('/embeddings')) return this.embeddings(body as unknown as EmbeddingRequest);
    if (request.url.endsWith('/moderations')) return this.moderations(body as unknown as ModerationRequest);
    if (request.url.endsWith('/rerank')) return this.rerank(body as unknown as RerankRequest);
    if (request.url.endsWith('/completions') && !request.url.endsWith('/chat/completions')) return this.completions(body as unknown as CompletionRequest, abort);
    const req = body as unknown as ChatCompletionRequest;
    const id = `chatcmpl-mock-${(++seq).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const r = reply(req, s);
    const text = r.text ?? '';
    const usage = usageFor(req, text + (r.toolCall?.args ?? ''), s);
    if (faulty && fault.malformed && !req.stream) return respond(200, { 'content-type': 'application/json' }, '{"id": "broken", "choices": [');
    if (!req.stream) {
      const completion: ChatCompletion = {
        id,
        object: 'chat.completion',
        created,
        model: this.model,
        choices: [{
          index: 0,
          message: r.toolCall
            ? { role: 'assistant', content: null, tool_calls: [{ id: `call_mock_${seq}`, type: 'function', function: { name: r.toolCall.name, arguments: r.toolCall.args } }] }
            : { role: 'assistant', content: text },
          finish_reason: r.toolCall ? 'tool_calls' : 'stop',
          logprobs: null,
        }],
        usage,
        system_fingerprint: 'fp_mock',
      };
      return respond(200, { 'content-type': 'application/json' }, JSON.stringify(completion));
    }
    const includeUsage = (req.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): string => {
      const c: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model: this.model, system_fingerprint: 'fp_mock', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
      if (includeUsage) c.usage = null;
      return sseEvent(JSON.stringify(c));
    };
    const events: string[] = [chunk({ role: 'assistant', content: '' })];
    if (r.toolCall) {
      events.push(chunk({ tool_calls: [{ index: 0, id: `call_mock_${seq}`, type: 'function', function: { name: r.toolCall.name, arguments: '' } }] }));
      for (const part of split(r.toolCall.args, s.streamChunks)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
      events.push(chunk({}, 'tool_calls'));
    } else {
      for (const part of split(text, s.streamChunks)) events.push(chunk({ content: part }));
      events.push(chunk({}, 'stop'));
    }
    if (includeUsage) events.push(sseEvent(JSON.stringify({ id, object: 'chat.completion.chunk', created, model: this.model, system_fingerprint: 'fp_mock', choices: [], usage })));
    events.push(SSE_DONE);
    const cutAfter = faulty ? fault.cut_after_chunks : undefined;
    const malformed = faulty && fault.malformed;
    const delay = s.chunkDelayMs;
    async function* stream(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < events.length; i++) {
        if (cutAfter !== undefined && i >= cutAfter) throw Object.assign(new Error('mock stream cut'), { code: 'UND_ERR_SOCKET' });
        if (malformed && i === 1) { yield encoder.encode('data: {"id": "broken", "choi\n\n'); continue; }
        if (delay > 0 && i > 0) await sleep(delay, undefined, { signal: options.signal });
        if (abort.aborted) throw new AbortedError();
        yield encoder.encode(events[i]);
      }
    }
    return respond(200, { 'content-type': 'text/event-stream' }, stream());
  }

  /** Legacy completions: the prompt echoed, streamed in `streamChunks` pieces when asked. */
  private completions(req: CompletionRequest, abort: { aborted: boolean }): UpstreamResponse {
    const prompt = Array.isArray(req.prompt) ? req.prompt.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ') : String(req.prompt);
    const text = this.s.response ?? prompt;
    const id = `cmpl-mock-${(++seq).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: tokens(prompt), completion_tokens: tokens(text), total_tokens: tokens(prompt) + tokens(text) };
    const base = { id, object: 'text_completion' as const, created, model: this.model };
    if (!req.stream) {
      return respond(200, { 'content-type': 'application/json' }, JSON.stringify({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }], usage }));
    }
    const includeUsage = (req.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const event = (v: object): string => sseEvent(JSON.stringify(v));
    const events = split(text, this.s.streamChunks).map((part) => event({ ...base, choices: [{ text: part, index: 0, logprobs: null, finish_reason: null }] }));
    events.push(event({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] }));
    if (includeUsage) events.push(event({ ...base, choices: [], usage }));
    events.push(SSE_DONE);
    const delay = this.s.chunkDelayMs;
    async function* stream(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < events.length; i++) {
        if (delay > 0 && i > 0) await sleep(delay);
        if (abort.aborted) throw new AbortedError();
        yield encoder.encode(events[i]);
      }
    }
    return respond(200, { 'content-type': 'text/event-stream' }, stream());
  }

  /** Moderations: flags an input that contains "flag-me" (deterministic, for tests). */
  private moderations(req: ModerationRequest): UpstreamResponse {
    const inputs = typeof req.input === 'string' ? [req.input] : req.input.map((i) => (typeof i === 'string' ? i : i.type === 'text' ? i.text : ''));
    const results = inputs.map((text) => {
      const flagged = text.includes('flag-me');
      return { flagged, categories: { harassment: flagged, violence: false }, category_scores: { harassment: flagged ? 0.97 : 0.001, violence: 0.001 } };
    });
    return respond(200, { 'content-type': 'application/json' }, JSON.stringify({ id: `modr-mock-${(++seq).toString(36)}`, model: this.model, results }));
  }

  /** Rerank (Cohere's shape): documents scored by the share of query words they contain. */
  private rerank(req: RerankRequest): UpstreamResponse {
    const words = new Set(req.query.toLowerCase().split(/\W+/).filter(Boolean));
    const texts = req.documents.map((d) => (typeof d === 'string' ? d : String((d as { text?: unknown }).text ?? JSON.stringify(d))));
    const scored = texts.map((t, index) => {
      const doc = new Set(t.toLowerCase().split(/\W+/));
      let hits = 0;
      for (const w of words) if (doc.has(w)) hits++;
      return { index, relevance_score: words.size ? hits / words.size : 0 };
    }).sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
    const top = scored.slice(0, req.top_n ?? scored.length).map((r) => (req.return_documents ? { ...r, document: { text: texts[r.index] } } : r));
    return respond(200, { 'content-type': 'application/json' }, JSON.stringify({ id: `rerank-mock-${(++seq).toString(36)}`, results: top, meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } } }));
  }

  private embeddings(req: EmbeddingRequest): UpstreamResponse {
    const inputs = Array.isArray(req.input) ? req.input : [req.input];
    const dims = req.dimensions ?? this.s.embeddingDimensions;
    // Unbounded, a client's `dimensions: 10000000` held the event loop for seconds. OpenAI's largest model has 3072.
    if (!Number.isInteger(dims) || dims < 1 || dims > MAX_EMBEDDING_DIMENSIONS) {
      const message = `Invalid value for 'dimensions': must be an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS} for the mock provider.`;
      return respond(400, { 'content-type': 'application/json' }, JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'dimensions', code: 'invalid_value' } }));
    }
    let prompt = 0;
    const data = inputs.map((input, index) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      prompt += tokens(text);
      const v = vector(text, dims);
      const embedding = req.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
      return { object: 'embedding' as const, index, embedding };
    });
    return respond(200, { 'content-type': 'application/json' }, JSON.stringify({ object: 'list', data, model: this.model, usage: { prompt_tokens: prompt, total_tokens: prompt } }));
  }
}

function num(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`params.${name} must be a number >= 0`);
  return v;
}

/** Read the mock settings from deployment params (`mock_response`, `mock_latency_ms`, ...). */
export function mockSettings(params: Record<string, unknown>): MockSettings {
  const fault = params.mock_fault as MockFault | undefined;
  if (fault !== undefined && (typeof fault !== 'object' || fault === null)) throw new ConfigError('params.mock_fault must be an object');
  return {
    response: params.mock_response as string | undefined,
    latencyMs: num(params.mock_latency_ms, 'mock_latency_ms', 0),
    chunkDelayMs: num(params.mock_chunk_delay_ms, 'mock_chunk_delay_ms', 0),
    streamChunks: Math.max(1, num(params.mock_stream_chunks, 'mock_stream_chunks', 4)),
    toolCalls: params.mock_tool_calls !== false,
    usage: params.mock_usage as MockSettings['usage'],
    embeddingDimensions: Math.max(1, Math.min(MAX_EMBEDDING_DIMENSIONS, num(params.mock_embedding_dimensions, 'mock_embedding_dimensions', 8))),
    fault,
  };
}
