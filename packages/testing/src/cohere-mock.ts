/**
 * A strict mock of Cohere's v2 API (`POST /v2/chat`, streamed or not, `POST /v2/embed`,
 * `POST /v2/rerank`) with Bearer auth: it refuses what the real API refuses (cohere-validate.ts)
 * with Cohere's `{"id","message"}` envelope, and answers valid requests deterministically
 * (cohere-reply.ts).
 */
import type { ServerResponse } from 'node:http';
import { FaultSlot, bearerToken, listen, receive, sendJson, sendRaw, sleep, type EchoKeyFault, type Fault, type RecordedRequest } from './http.js';
import { cohereError, validateCohereChat, validateCohereEmbed, validateCohereRerank } from './cohere-validate.js';
import { cohereChatEvents, cohereChatResponse, cohereEmbedResponse, cohereRerankResponse, planCohereChat, uuidOf, type CohereStreamEvent } from './cohere-reply.js';

export interface MockCohereOptions {
  /** Expected Bearer token. Default 'co-test-key'. */
  apiKey?: string;
  /** Known model ids; others get 404. Default: any model. */
  models?: string[];
  /** Delay between stream events. */
  streamChunkDelayMs?: number;
  /** Fixed assistant text; default "echo: <last user text>" (or "tool said: ..." after tool results). */
  replyText?: string;
}

/** One-shot faults: the shared ones (see http.ts) and echoing the received key. */
export type CohereFault = Fault | EchoKeyFault;

export interface MockCohereServer {
  /** e.g. 'http://127.0.0.1:53211' — use as api_base. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  setNext(fault: CohereFault): void;
  close(): Promise<void>;
}

/** Default messages for status faults, from the examples in Cohere's error reference. */
const FAULT_MESSAGES: Record<number, string> = {
  400: 'invalid request: mock fault',
  401: 'invalid api token',
  402: 'Please add or update your payment method at https://dashboard.cohere.com/billing?tab=payment to continue',
  404: "model 'mock' not found, make sure the correct model ID was used and that you have access to the model.",
  429: 'You are past the per minute request limit, please wait and try again later.',
  498: 'blocked output: the response contains a deny-listed token',
  499: 'request cancelled',
  500: 'internal server error, this has been reported to our developers',
  503: 'service unavailable, please try again later',
  504: 'request timed out',
};

const ROUTES: Record<string, 'chat' | 'embed' | 'rerank'> = { '/v2/chat': 'chat', '/v2/embed': 'embed', '/v2/rerank': 'rerank' };

export async function startMockCohere(options: MockCohereOptions = {}): Promise<MockCohereServer> {
  const apiKey = options.apiKey ?? 'co-test-key';
  const requests: RecordedRequest[] = [];
  const faults = new FaultSlot();
  let seq = 0;

  const listening = await listen(async (req, res) => {
    const { path, json } = await receive(req, requests);
    const fault = faults.take() as CohereFault | undefined;
    if (fault?.kind === 'delay') await sleep(fault.ms);
    const route = req.method === 'POST' ? ROUTES[path] : undefined;
    if (!route) throw cohereError(404, '404 page not found');
    const key = bearerToken(req);
    if (!key) throw cohereError(401, 'no api key supplied');
    if (fault?.kind === 'echo-key' && fault.where === 401) throw cohereError(401, `invalid api token: ${key}`);
    if (key !== apiKey) throw cohereError(401, 'invalid api token');
    if (fault?.kind === 'echo-key' && fault.where === 400) throw cohereError(400, `invalid request: the api key ${key} cannot be used with this model`);
    if (fault?.kind === 'status') {
      return sendRaw(res, fault.status, fault.body ?? JSON.stringify({ id: uuidOf(`fault${seq}`), message: FAULT_MESSAGES[fault.status] ?? `mock fault ${fault.status}` }), { 'content-type': 'application/json', ...(fault.headers ?? {}) });
    }
    if (!json?.ok) throw cohereError(400, "invalid json syntax: invalid character in request body");
    if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) throw cohereError(400, 'invalid json syntax: the request body must be a JSON object');
    const body = json.value as Record<string, any>;
    const n = ++seq;
    if (route === 'embed') {
      const items = validateCohereEmbed(body);
      checkModel(body.model);
      return sendJson(res, 200, cohereEmbedResponse(body, items, n));
    }
    if (route === 'rerank') {
      const docs = validateCohereRerank(body);
      checkModel(body.model);
      return sendJson(res, 200, cohereRerankResponse(body, docs, n));
    }
    const v = validateCohereChat(body);
    checkModel(body.model);
    const plan = planCohereChat(body, v, n, options.replyText);
    if (body.stream !== true) {
      if (fault?.kind === 'cut') { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed') return sendRaw(res, 200, `{"id":"${plan.id}","message":{"role":"assistant","content":[`, { 'content-type': 'application/json' });
      if (fault?.kind === 'stream-error') throw cohereError(500, FAULT_MESSAGES[500]);
      return sendJson(res, 200, cohereChatResponse(plan));
    }
    await stream(res, cohereChatEvents(plan), fault, key);
  });

  function checkModel(model: string): void {
    if (options.models && !options.models.includes(model)) {
      throw cohereError(404, `model '${model}' not found, make sure the correct model ID was used and that you have access to the model.`);
    }
  }

  async function stream(res: ServerResponse, events: CohereStreamEvent[], fault: CohereFault | undefined, key: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const write = (t: string): Promise<void> => new Promise((resolve) => { res.write(t, () => resolve()); });
    const send = (e: CohereStreamEvent): Promise<void> => write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    // An in-band failure is a message-end whose delta carries `error` and finish_reason ERROR
    // (ChatMessageEndEventDelta in cohere-ai/cohere-typescript).
    const failAt = fault?.kind === 'stream-error' ? fault.afterChunks : fault?.kind === 'echo-key' && fault.where === 'stream' ? 2 : -1;
    for (const [i, e] of events.entries()) {
      if (res.destroyed) return;
      if (i === failAt) {
        const error = fault?.kind === 'echo-key' ? `internal error while streaming for api key ${key}` : 'internal server error, this has been reported to our developers';
        await send({ type: 'message-end', delta: { error, finish_reason: 'ERROR', usage: { billed_units: { input_tokens: 0, output_tokens: 0 }, tokens: { input_tokens: 0, output_tokens: 0 } } } });
        res.end();
        return;
      }
      if (fault?.kind === 'cut' && i === fault.afterChunks) { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed' && i === 2) {
        await write('event: content-delta\ndata: {"type":"content-delta","index":0,"delta":\n\n');
        res.end();
        return;
      }
      if (i > 0) await sleep(options.streamChunkDelayMs ?? 0);
      await send(e);
    }
    await write('data: [DONE]\n\n');
    res.end();
  }

  return { url: listening.url, port: listening.port, requests, setNext: (f) => faults.set(f as Fault), close: listening.close };
}
