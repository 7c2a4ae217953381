/**
 * A mock of Ollama's native API: `POST /api/chat` (NDJSON stream by default, one JSON object with
 * `stream: false`), `POST /api/embed`, `GET /api/tags`. Errors use Ollama's `{"error": "..."}` and
 * its statuses (ollama-validate.ts); `num_predict` and `stop` in `options` are honoured and a
 * top-level `max_tokens` is ignored, as the real server does, so tests see when params are misplaced.
 */
import type { ServerResponse } from 'node:http';
import { FaultSlot, bearerToken, listen, receive, sendJson, sendRaw, sleep, type EchoKeyFault, type Fault, type RecordedRequest } from './http.js';
import { ollamaError, validateOllamaChat, validateOllamaEmbed } from './ollama-validate.js';
import { ollamaChatChunks, ollamaChatResponse, ollamaEmbedResponse, ollamaTagsResponse, planOllamaChat } from './ollama-reply.js';
import { tokensOf } from './openai-reply.js';

export type OllamaCapability = 'completion' | 'tools' | 'vision' | 'thinking' | 'embedding';

export interface MockOllamaOptions {
  /** Pulled models, as `name` or `name:tag` (`llama3.2` means `llama3.2:latest`). Default: any model. */
  models?: string[];
  /** Per-model capabilities. Default: completion, tools and vision; `embedding` for names containing "embed". */
  capabilities?: Record<string, OllamaCapability[]>;
  /** Require `Authorization: Bearer <apiKey>`, as ollama.com does. Default: no auth (a local server). */
  apiKey?: string;
  /** Reject unknown fields and options instead of ignoring them (see ollama-validate.ts). */
  rejectUnknown?: boolean;
  /** The model's context length in tokens: longer inputs with `truncate: false` fail. Default 4096. */
  contextLength?: number;
  streamChunkDelayMs?: number;
  replyText?: string;
}

export type OllamaFault = Fault | EchoKeyFault;

export interface MockOllamaServer {
  /** e.g. 'http://127.0.0.1:53211' — use as api_base. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  setNext(fault: OllamaFault): void;
  close(): Promise<void>;
}

const FAULT_MESSAGES: Record<number, string> = {
  400: 'mock fault',
  401: 'unauthorized',
  404: "model 'mock' not found",
  429: 'too many requests',
  500: 'an error was encountered while running the model',
  503: 'server busy, please try again.  maximum pending requests exceeded',
};

const withTag = (m: string): string => (m.includes(':') ? m : `${m}:latest`);

export async function startMockOllama(options: MockOllamaOptions = {}): Promise<MockOllamaServer> {
  const requests: RecordedRequest[] = [];
  const faults = new FaultSlot();
  const v = { rejectUnknown: options.rejectUnknown === true };
  let seq = 0;

  const capabilities = (model: string): OllamaCapability[] =>
    options.capabilities?.[model] ?? options.capabilities?.[withTag(model)] ?? (model.includes('embed') ? ['embedding'] : ['completion', 'tools', 'vision']);

  const listening = await listen(async (req, res) => {
    const { path, text, json } = await receive(req, requests);
    const fault = faults.take() as OllamaFault | undefined;
    if (fault?.kind === 'delay') await sleep(fault.ms);
    const route = req.method === 'POST' && path === '/api/chat' ? 'chat' : req.method === 'POST' && path === '/api/embed' ? 'embed' : req.method === 'GET' && path === '/api/tags' ? 'tags' : null;
    // gin's default 404 is plain text.
    if (!route) return sendRaw(res, 404, '404 page not found', { 'content-type': 'text/plain' });
    const key = bearerToken(req);
    if (fault?.kind === 'echo-key' && fault.where === 401) throw ollamaError(401, `unauthorized: key ${key} was rejected`);
    if (options.apiKey !== undefined && key !== options.apiKey) throw ollamaError(401, 'unauthorized');
    if (fault?.kind === 'echo-key' && fault.where === 400) throw ollamaError(400, `invalid request for key ${key}`);
    if (fault?.kind === 'status') return sendRaw(res, fault.status, fault.body ?? JSON.stringify({ error: FAULT_MESSAGES[fault.status] ?? `mock fault ${fault.status}` }), { 'content-type': 'application/json', ...(fault.headers ?? {}) });
    if (route === 'tags') return sendJson(res, 200, ollamaTagsResponse(options.models ?? []));
    if (text === '') throw ollamaError(400, 'missing request body');
    if (!json?.ok) throw ollamaError(400, "invalid character looking for beginning of value");
    if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) throw ollamaError(400, 'json: cannot unmarshal into Go value of type api.ChatRequest');
    const body = json.value as Record<string, any>;
    const n = ++seq;
    const contextLength = options.contextLength ?? 4096;

    if (route === 'embed') {
      const e = validateOllamaEmbed(body, v);
      checkModel(body.model, 'embed');
      const ctx = e.options.num_ctx ?? contextLength;
      if (body.truncate === false && e.inputs.some((t) => tokensOf(t) > ctx)) throw ollamaError(400, 'the input length exceeds the context length');
      return sendJson(res, 200, ollamaEmbedResponse(body.model, e.inputs, body.dimensions));
    }

    const c = validateOllamaChat(body, v);
    checkModel(body.model, 'chat');
    const caps = capabilities(body.model);
    if (!caps.includes('completion')) throw ollamaError(400, `"${body.model}" does not support chat`);
    if (body.tools?.length && !caps.includes('tools')) throw ollamaError(400, `${withTag(body.model)} does not support tools`);
    if (body.think === true || typeof body.think === 'string') {
      if (!caps.includes('thinking')) throw ollamaError(400, `"${body.model}" does not support thinking`);
    }
    if ((body.messages ?? []).some((m: any) => m.images?.length) && !caps.includes('vision')) throw ollamaError(400, `${withTag(body.model)} does not support vision`);
    const prompt = (body.messages ?? []).map((m: any) => m.content ?? '').join('\n');
    if (body.truncate === false && tokensOf(prompt) > (c.options.num_ctx ?? contextLength)) throw ollamaError(400, 'the input length exceeds the context length');
    if (!body.messages?.length) {
      // An empty chat loads the model (docs/api.md "Load a model").
      return sendJson(res, 200, { model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true });
    }
    // Thinking models think unless told not to (ChatHandler sets Think=true when unset).
    const thinks = caps.includes('thinking') && body.think !== false;
    const plan = planOllamaChat(body, c.options, { seq: n, replyText: options.replyText, thinks });
    if (!c.stream) {
      if (fault?.kind === 'cut') { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed') return sendRaw(res, 200, `{"model":"${body.model}","message":{"role":"assistant","content":"ec`, { 'content-type': 'application/json; charset=utf-8' });
      if (fault?.kind === 'stream-error') throw ollamaError(500, FAULT_MESSAGES[500]);
      return sendJson(res, 200, ollamaChatResponse(body.model, plan, body.logprobs === true), { 'content-type': 'application/json; charset=utf-8' });
    }
    await stream(res, ollamaChatChunks(body.model, plan, body.logprobs === true), fault, key);
  });

  function checkModel(model: string, op: 'chat' | 'embed'): void {
    if (!options.models || options.models.map(withTag).includes(withTag(model))) return;
    // ChatHandler answers "model 'x' not found"; EmbedHandler the same before scheduling.
    throw ollamaError(404, op === 'chat' ? `model '${model}' not found` : `model "${model}" not found, try pulling it first`);
  }

  async function stream(res: ServerResponse, chunks: Array<Record<string, unknown>>, fault: OllamaFault | undefined, key: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    const write = (t: string): Promise<void> => new Promise((resolve) => { res.write(t, () => resolve()); });
    // After the stream started, an error is one more NDJSON line `{"error": "..."}` (docs/api/errors.mdx).
    const failAt = fault?.kind === 'stream-error' ? fault.afterChunks : fault?.kind === 'echo-key' && fault.where === 'stream' ? 1 : -1;
    for (const [i, c] of chunks.entries()) {
      if (res.destroyed) return;
      if (i === failAt) {
        await write(`${JSON.stringify({ error: fault?.kind === 'echo-key' ? `runner failed for key ${key}` : FAULT_MESSAGES[500] })}\n`);
        res.end();
        return;
      }
      if (fault?.kind === 'cut' && i === fault.afterChunks) { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed' && i === 1) {
        await write('{"model":"broken","message":{"role":"assistant","content":\n');
        res.end();
        return;
      }
      if (i > 0) await sleep(options.streamChunkDelayMs ?? 0);
      await write(`${JSON.stringify(c)}\n`);
    }
    res.end();
  }

  return { url: listening.url, port: listening.port, requests, setNext: (f) => faults.set(f as Fault), close: listening.close };
}
