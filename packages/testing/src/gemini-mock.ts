/**
 * A strict mock of the Gemini API: Google AI Studio (`/v1beta/models/{model}:generateContent`,
 * `x-goog-api-key`) and Vertex AI (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:...`,
 * OAuth bearer token). It refuses what the real services refuse (see gemini-validate.ts) and
 * answers valid requests deterministically (see gemini-reply.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, receive, mediaType, sendJson, sendRaw, sleep, type Fault, type RecordedRequest } from './http.js';
import { generateContentChunks, generateContentResponse, planGenerate } from './gemini-reply.js';
import { embeddingVector, tokensOf } from './openai-reply.js';
import { googleError, invalidArgument, validateEmbedContent, validateGenerateContent, validatePredict } from './gemini-validate.js';

/** The shared faults, plus `truncate`: end the stream cleanly after N events, without a finishReason. */
export type GeminiFault = Fault | { kind: 'truncate'; afterChunks: number };

export interface MockGeminiOptions {
  flavor?: 'studio' | 'vertex';
  /** studio: the accepted API key (header x-goog-api-key or ?key=). Default 'gemini-test-key'. */
  apiKey?: string;
  /** vertex: a fixed accepted bearer token, or a token server that says which tokens it issued. */
  accessToken?: string | { isValid(token: string): boolean };
  /** vertex: the project and location the URL must name. Defaults 'test-project', 'us-central1'. */
  project?: string;
  location?: string;
  /** Models served; others get 404. Default: any. */
  models?: string[];
  /** Fixed reply text instead of "echo: <last user text>". */
  replyText?: string;
  latencyMs?: number;
  streamChunkDelayMs?: number;
  /** vertex: handles `publishers/anthropic/models/{m}:rawPredict|streamRawPredict` (Claude on Vertex). */
  anthropic?: (ctx: { req: IncomingMessage; res: ServerResponse; model: string; stream: boolean; body: unknown; fault: GeminiFault | undefined }) => Promise<void>;
}

export interface MockGeminiServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setNext(fault: GeminiFault): void;
  close(): Promise<void>;
}

interface Route {
  version: string;
  project?: string;
  location?: string;
  publisher: string;
  model: string;
  method: string;
}

const NOT_FOUND_HTML = '<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL was not found on this server. <ins>That’s all we know.</ins>\n';
const UNAUTHENTICATED_MISSING = 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const UNAUTHENTICATED_INVALID = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

function faultBody(status: number): unknown {
  const known: Record<number, [string, string]> = {
    400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
    401: ['UNAUTHENTICATED', UNAUTHENTICATED_INVALID],
    403: ['PERMISSION_DENIED', 'The caller does not have permission'],
    404: ['NOT_FOUND', 'Requested entity was not found.'],
    429: ['RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
    500: ['INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'],
    503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
    504: ['DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'],
  };
  const [status_, message] = known[status] ?? ['UNKNOWN', `Mock fault: HTTP ${status}`];
  return { error: { code: status, message, status: status_ } };
}

export async function startMockGemini(options: MockGeminiOptions = {}): Promise<MockGeminiServer> {
  const flavor = options.flavor ?? 'studio';
  const vertex = flavor === 'vertex';
  const apiKey = options.apiKey ?? 'gemini-test-key';
  const project = options.project ?? 'test-project';
  const location = options.location ?? 'us-central1';
  const requests: RecordedRequest[] = [];
  // One-shot, like FaultSlot, but for GeminiFault (which adds `truncate`).
  let nextFault: GeminiFault | undefined;
  let seq = 0;

  const listening = await listen(async (req, res) => {
    const { path, query, text, json } = await receive(req, requests);
    const fault = nextFault;
    nextFault = undefined;
    await sleep(options.latencyMs ?? 0);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'status') return sendRaw(res, fault.status, fault.body ?? JSON.stringify(faultBody(fault.status)), fault.headers ?? {});

    const route = vertex ? vertexRoute(path) : studioRoute(path);
    if (!route || req.method !== 'POST') return sendRaw(res, 404, NOT_FOUND_HTML, { 'content-type': 'text/html; charset=UTF-8' });
    if (vertex) {
      checkBearer(req);
      if (route.project !== project) throw googleError(403, 'PERMISSION_DENIED', `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/${route.project}/locations/${route.location}/publishers/${route.publisher}/models/${route.model}' (or it may not exist).`);
      if (route.location !== location) throw googleError(400, 'FAILED_PRECONDITION', `Location ${route.location} is not the location of this mock (${location}).`);
    } else {
      checkKey(req, query);
    }
    if (options.models && !options.models.includes(route.model)) {
      throw googleError(404, 'NOT_FOUND', vertex
        ? `Publisher Model \`projects/${project}/locations/${location}/publishers/${route.publisher}/models/${route.model}\` not found.`
        : `models/${route.model} is not found for API version ${route.version}, or is not supported for ${route.method}. Call ListModels to see the list of available models and their supported methods.`);
    }
    if (mediaType(req.headers['content-type']) !== 'application/json') throw invalidArgument('Invalid JSON payload received. Unexpected Content-Type; expected application/json.');
    if (!json?.ok) throw invalidArgument('Invalid JSON payload received. Unexpected token.');
    const body = json.value;
    const n = ++seq;
    const meta = { model: route.model, responseId: createHash('sha256').update(`${n}|${text}`).digest('base64url').slice(0, 22) };

    if (route.publisher === 'anthropic') {
      if (!options.anthropic) throw googleError(404, 'NOT_FOUND', `Publisher Model \`projects/${project}/locations/${location}/publishers/anthropic/models/${route.model}\` not found.`);
      return options.anthropic({ req, res, model: route.model, stream: route.method === 'streamRawPredict', body, fault });
    }
    switch (route.method) {
      case 'generateContent':
      case 'streamGenerateContent': {
        const v = validateGenerateContent(body, { vertex, model: route.model });
        const plan = planGenerate(v, options.replyText);
        if (route.method === 'generateContent') {
          if (bodyFault(res, fault)) return;
          return sendJson(res, 200, generateContentResponse(plan, meta));
        }
        return stream(res, generateContentChunks(plan, meta), query.alt === 'sse', fault);
      }
      case 'embedContent': {
        const e = validateEmbedContent(body, '');
        if (bodyFault(res, fault)) return;
        return sendJson(res, 200, { embedding: { values: embeddingVector(e.text, e.outputDimensionality ?? 8) } });
      }
      case 'batchEmbedContents': {
        const b = body as Record<string, any>;
        if (!b || typeof b !== 'object' || Array.isArray(b)) throw invalidArgument('Invalid JSON payload received.');
        for (const k of Object.keys(b)) if (k !== 'requests') throw invalidArgument(`Invalid JSON payload received. Unknown name "${k}": Cannot find field.`);
        if (!Array.isArray(b.requests) || b.requests.length === 0) throw invalidArgument('* BatchEmbedContentsRequest.requests: requests is not specified\n');
        const out = b.requests.map((r: unknown, i: number) => {
          const e = validateEmbedContent(r, `requests[${i}]`);
          if (e.model !== `models/${route.model}`) {
            throw invalidArgument(`* BatchEmbedContentsRequest.requests[${i}].model: the model of each request must be the model of the batch (models/${route.model}).\n`);
          }
          return { values: embeddingVector(e.text, e.outputDimensionality ?? 8) };
        });
        if (bodyFault(res, fault)) return;
        return sendJson(res, 200, { embeddings: out });
      }
      case 'predict': {
        const p = validatePredict(body);
        if (bodyFault(res, fault)) return;
        return sendJson(res, 200, {
          predictions: p.texts.map((t) => ({ embeddings: { values: embeddingVector(t, p.outputDimensionality ?? 8), statistics: { token_count: tokensOf(t), truncated: false } } })),
          metadata: { billableCharacterCount: p.texts.reduce((n, t) => n + t.length, 0) },
        });
      }
      default:
        throw googleError(404, 'NOT_FOUND', `Method ${route.method} not found.`);
    }
  });

  function studioRoute(path: string): Route | undefined {
    const m = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.exec(path);
    return m ? { version: m[1], publisher: 'google', model: m[2], method: m[3] } : undefined;
  }

  function vertexRoute(path: string): Route | undefined {
    const m = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):(generateContent|streamGenerateContent|predict|rawPredict|streamRawPredict)$/.exec(path);
    if (!m) return undefined;
    const [, version, p, l, publisher, model, method] = m;
    const googleMethod = ['generateContent', 'streamGenerateContent', 'predict'].includes(method);
    if ((publisher === 'google') !== googleMethod) return undefined;
    return { version, project: p, location: l, publisher, model, method };
  }

  function checkKey(req: IncomingMessage, query: Record<string, string>): void {
    const header = req.headers['x-goog-api-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? query.key;
    if (!key) {
      throw googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    }
    if (key !== apiKey) {
      throw googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
      ]);
    }
  }

  function checkBearer(req: IncomingMessage): void {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!token) throw googleError(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MISSING);
    const accepted = options.accessToken;
    const ok = accepted === undefined ? false : typeof accepted === 'string' ? token === accepted : accepted.isValid(token);
    if (!ok) throw googleError(401, 'UNAUTHENTICATED', UNAUTHENTICATED_INVALID);
  }

  /** SSE (`alt=sse`, CRLF-separated like Google's) or, without it, one JSON array streamed element by element. */
  async function stream(res: ServerResponse, events: Array<Record<string, unknown>>, sse: boolean, fault: GeminiFault | undefined): Promise<void> {
    res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const write = (s: string) => new Promise<void>((resolve) => res.write(s, () => resolve()));
    const item = (payload: string, i: number) => (sse ? `data: ${payload}\r\n\r\n` : `${i === 0 ? '[' : '\r\n,'}${payload}`);
    for (const [i, ev] of events.entries()) {
      if (res.destroyed) return;
      if (i > 0) await sleep(options.streamChunkDelayMs ?? 0);
      if (fault?.kind === 'cut' && i === fault.afterChunks) {
        res.socket?.destroy();
        return;
      }
      if (fault?.kind === 'truncate' && i === fault.afterChunks) break;
      if (fault?.kind === 'stream-error' && i === fault.afterChunks) {
        await write(item(JSON.stringify(faultBody(500)), i));
        break;
      }
      if (fault?.kind === 'malformed' && i === 1) {
        await write(item('{"candidates": [{"content": {"parts": [{"text": "bro', i));
        break;
      }
      await write(item(JSON.stringify(ev), i));
    }
    if (!sse) await write(']');
    res.end();
  }

  return {
    url: listening.url,
    port: listening.port,
    requests,
    setNext: (fault) => {
      nextFault = fault;
    },
    close: listening.close,
  };
}

/** Non-streaming effect of cut / malformed / stream-error; true when it answered. */
function bodyFault(res: ServerResponse, fault: GeminiFault | undefined): boolean {
  switch (fault?.kind) {
    case 'cut':
      res.socket?.destroy();
      return true;
    case 'malformed':
      sendRaw(res, 200, '{"candidates": [{"content": ', { 'content-type': 'application/json' });
      return true;
    case 'stream-error':
      sendJson(res, 500, faultBody(500));
      return true;
    default:
      return false;
  }
}

