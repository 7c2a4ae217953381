/**
 * A strict mock of Anthropic's Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`):
 * it refuses what the real API refuses (see anthropic-validate.ts) with Anthropic's error envelope,
 * and answers valid requests deterministically (see anthropic-reply.ts), streamed or not.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FaultSlot, listen, receive, mediaType, sendJson, sendRaw, sleep, type Fault, type RecordedRequest } from './http.js';
import { anthropicError, validateMessages } from './anthropic-validate.js';
import { countInputTokens, messageEvents, planMessage, type StreamEvent } from './anthropic-reply.js';

export interface MockAnthropicOptions {
  /** Expected `x-api-key`. Default 'test-key'. */
  apiKey?: string;
  /** Known model ids; others get 404 not_found_error. Default: any model. */
  models?: string[];
  /** Delay before answering every request. */
  latencyMs?: number;
  /** Delay between stream events. */
  streamChunkDelayMs?: number;
  /** Fixed assistant text; default "echo: <last user text>" (or "tool said: ..." after tool results). */
  replyText?: string;
}

/** One-shot faults: the shared ones, and a stream error event of a chosen Anthropic error type. */
export type AnthropicFault = Fault | { kind: 'stream-error'; afterChunks: number; errorType?: string; message?: string };

export interface MockAnthropicServer {
  /** e.g. 'http://127.0.0.1:53211' — use as api_base. */
  url: string;
  port: number;
  /** Every request received, in order, valid or not. */
  requests: RecordedRequest[];
  /** Thinking signatures and redacted-thinking payloads handed out (only these are accepted back). */
  issued: Set<string>;
  setNext(fault: AnthropicFault): void;
  close(): Promise<void>;
}

const DEFAULT_FAULT: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Mock fault: invalid request'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not Found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

function faultBody(status: number): string {
  const [type, message] = DEFAULT_FAULT[status] ?? ['api_error', `Mock fault: HTTP ${status}`];
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_mockfault' });
}

export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropicServer> {
  const apiKey = options.apiKey ?? 'test-key';
  const requests: RecordedRequest[] = [];
  const issued = new Set<string>();
  const cache = new Set<string>();
  const faults = new FaultSlot();
  let seq = 0;

  const listening = await listen(async (req, res) => {
    const { path, query, text, json } = await receive(req, requests);
    const fault = faults.take() as AnthropicFault | undefined;
    await sleep(options.latencyMs ?? 0);
    if (fault?.kind === 'delay') await sleep(fault.ms);

    const route = req.method === 'POST' && path === '/v1/messages' ? 'messages' : req.method === 'POST' && path === '/v1/messages/count_tokens' ? 'count' : null;
    if (!route) throw anthropicError(404, 'not_found_error', 'Not Found');
    const key = req.headers['x-api-key'];
    if (!key) throw anthropicError(401, 'authentication_error', 'x-api-key header is required');
    if (key !== apiKey) throw anthropicError(401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) throw anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required');
    if (fault?.kind === 'status') return sendRaw(res, fault.status, fault.body ?? faultBody(fault.status), { 'content-type': 'application/json', ...(fault.headers ?? {}) });
    if (mediaType(req.headers['content-type']) !== 'application/json') throw anthropicError(400, 'invalid_request_error', 'Content-Type must be application/json');
    if (!json?.ok || typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
      throw anthropicError(400, 'invalid_request_error', 'There was an error parsing the body of your request. The body must be a valid JSON object.');
    }
    const body = json.value as Record<string, any>;
    const v = validateMessages(body, { issued, countTokens: route === 'count' });
    if (options.models && !options.models.includes(body.model)) throw anthropicError(404, 'not_found_error', `model: ${body.model}`);
    const n = ++seq;
    const headers = { 'request-id': `req_mock${createHash('sha256').update(String(n)).digest('hex').slice(0, 20)}` };
    if (route === 'count') return sendJson(res, 200, { input_tokens: countInputTokens(body, v) }, headers);

    const beta = String(req.headers['anthropic-beta'] ?? '');
    const message = planMessage(body, v, {
      seq: n,
      replyText: options.replyText,
      interleaved: beta.split(',').some((b) => b.trim().startsWith('interleaved-thinking')),
      issue: (t) => issued.add(t),
      cache,
    });
    if (body.stream !== true) {
      if (fault?.kind === 'cut') { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed') return sendRaw(res, 200, '{"id":"msg_broken","type":"message","content":[', { 'content-type': 'application/json', ...headers });
      if (fault?.kind === 'stream-error') return sendRaw(res, 529, faultBody(529), { 'content-type': 'application/json' });
      return sendJson(res, 200, message, headers);
    }
    await stream(res, messageEvents(message), fault, headers);
  });

  async function stream(res: ServerResponse, events: StreamEvent[], fault: AnthropicFault | undefined, headers: Record<string, string>): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.flushHeaders();
    const write = (t: string): Promise<void> => new Promise((resolve) => { res.write(t, () => resolve()); });
    for (const [i, e] of events.entries()) {
      if (res.destroyed) return;
      if (fault?.kind === 'stream-error' && i === fault.afterChunks) {
        const type = ('errorType' in fault && fault.errorType) || 'overloaded_error';
        const message = ('message' in fault && fault.message) || 'Overloaded';
        await write(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`);
        res.end();
        return;
      }
      if (fault?.kind === 'cut' && i === fault.afterChunks) { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed' && i === 2) {
        await write('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,\n\n');
        res.end();
        return;
      }
      if (i > 0) await sleep(options.streamChunkDelayMs ?? 0);
      await write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    }
    res.end();
  }

  return {
    url: listening.url,
    port: listening.port,
    requests,
    issued,
    setNext: (fault) => faults.set(fault as Fault),
    close: listening.close,
  };
}
