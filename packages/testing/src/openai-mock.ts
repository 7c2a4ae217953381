/**
 * A strict mock of the OpenAI HTTP API (and of Azure OpenAI / OpenAI-compatible
 * hosts): it rejects what the real service rejects, with the same status and
 * error envelope, and answers valid requests deterministically.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FaultSlot,
  receive,
  HttpError,
  listen,
  mediaType,
  sendJson,
  sendRaw,
  sleep,
  tryParseJson,
  type Fault,
  type RecordedRequest,
} from './http.js';
import { badRequest, isObject, openAIError } from './openai-errors.js';
import { chatChunks, chatCompletion, embeddingsResponse, hashId, modelObject, planChat } from './openai-reply.js';
import { validateChat, validateEmbeddings } from './openai-validate.js';
import { COMPLETION_MODELS, completionChunks, completionModelError, completionResponse, validateCompletion, type CompletionMeta } from './openai-completions.js';
import { DEFAULT_MODERATION_MODEL, moderationModelError, moderationResponse, validateModeration } from './openai-moderations.js';
import { SseWriter } from './sse.js';

export interface MockOpenAIOptions {
  /** 'openai' (default) serves `{basePath}/...`; 'azure' serves `/openai/deployments/{deployment}/...`. */
  flavor?: 'openai' | 'azure';
  /** Expected key: `Authorization: Bearer <key>` (openai) or `api-key: <key>` (azure). Default 'sk-test'. */
  apiKey?: string;
  /** openai flavor only; default '/v1' ('' allowed, e.g. '/openai/v1' for Groq). */
  basePath?: string;
  /** azure: known deployment names; others get 404 DeploymentNotFound. Default: any. */
  azureDeployments?: string[];
  /** azure: accepted `api-version` values (missing -> 404, unknown -> 400). Default: any non-empty. */
  azureApiVersions?: string[];
  /** azure: also accept `Authorization: Bearer <token>` (Entra ID). */
  azureBearerToken?: string;
  /** Model ids served by GET /models; other models in a request get 404 model_not_found. Default: any model. */
  models?: string[];
  /** Delay before answering every request. */
  latencyMs?: number;
  /** Delay between SSE chunks. */
  streamChunkDelayMs?: number;
  /** Fixed assistant reply; default "echo: <last user message text>". */
  replyText?: string;
  /** Known parameters this host rejects as unrecognized (to test drop_params). */
  rejectParams?: string[];
  /** Models `/completions` serves (an OpenAI-compatible host's own). Default: OpenAI's (COMPLETION_MODELS). */
  completionModels?: string[];
}

export interface MockOpenAIServer {
  /** e.g. 'http://127.0.0.1:53211' (no trailing slash, no base path). */
  url: string;
  port: number;
  /** Every request received, in order, valid or not. */
  requests: RecordedRequest[];
  /** Arms a one-shot fault for the next request. */
  setNext(fault: Fault): void;
  close(): Promise<void>;
}

/** Models listed by GET /models when `options.models` is not given. */
export const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];

const JSON_PARSE_ERROR =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. " +
  'The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix ' +
  'this, please contact us through our help center at help.openai.com.)';

const SERVER_ERROR = {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  param: null,
  code: null,
};

/** Azure's own (gateway-level) errors carry only `code` and `message`. */
const azureError = (status: number, code: string, message: string) => new HttpError(status, { error: { code, message } });
const AZURE_NOT_FOUND = () => azureError(404, '404', 'Resource not found');

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: Record<string, string>;
  body: { text: string; json: ReturnType<typeof tryParseJson> | undefined };
  fault: Fault | undefined;
  seq: number;
  headers: Record<string, string>;
}

export async function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockOpenAIServer> {
  const opts = {
    ...options,
    flavor: options.flavor ?? 'openai',
    apiKey: options.apiKey ?? 'sk-test',
    basePath: (options.basePath ?? '/v1').replace(/\/+$/, ''),
    rejectParams: options.rejectParams ?? [],
  };
  const requests: RecordedRequest[] = [];
  const faults = new FaultSlot();
  let seq = 0;
  const knowsModel = (id: string): boolean => !opts.models || opts.models.includes(id);
  const completionModels = opts.completionModels ?? COMPLETION_MODELS;

  const listening = await listen(async (req, res) => {
    const { path, query, text, json } = await receive(req, requests);
    const fault = faults.take();
    await sleep(opts.latencyMs ?? 0);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'status') return sendStatusFault(res, fault);
    const n = ++seq;
    const requestId = createHash('sha256').update(`req${n}`).digest('hex').slice(0, 32);
    const headers: Record<string, string> =
      opts.flavor === 'azure'
        ? { 'apim-request-id': requestId, 'x-request-id': requestId }
        : { 'x-request-id': `req_${requestId}`, 'openai-processing-ms': '1', 'openai-version': '2020-10-01' };
    const ctx: Ctx = { req, res, path, query, body: { text, json }, fault, seq: n, headers };
    await (opts.flavor === 'azure' ? routeAzure(ctx) : routeOpenAI(ctx));
  });

  async function routeOpenAI(ctx: Ctx): Promise<void> {
    const method = ctx.req.method ?? 'GET';
    const sub = ctx.path.startsWith(`${opts.basePath}/`) ? ctx.path.slice(opts.basePath.length) : undefined;
    const invalidUrl = () => openAIError(404, `Invalid URL (${method} ${ctx.path})`);
    if (sub === undefined) throw invalidUrl();
    const route =
      method === 'POST' && sub === '/chat/completions' ? 'chat'
      : method === 'POST' && sub === '/embeddings' ? 'embeddings'
      : method === 'POST' && sub === '/completions' ? 'completions'
      : method === 'POST' && sub === '/moderations' ? 'moderations'
      : method === 'GET' && sub === '/models' ? 'models'
      : method === 'GET' && sub.startsWith('/models/') && sub.length > 8 ? 'model'
      : undefined;
    if (!route) throw invalidUrl();
    checkBearer(ctx.req.headers.authorization);

    if (route === 'models') {
      const data = (opts.models ?? DEFAULT_MODELS).map(modelObject);
      return sendJson(ctx.res, 200, { object: 'list', data }, ctx.headers);
    }
    if (route === 'model') {
      const id = sub.slice('/models/'.length);
      if (!knowsModel(id)) throw openAIError(404, `The model '${id}' does not exist`, 'model', 'model_not_found');
      return sendJson(ctx.res, 200, modelObject(id), ctx.headers);
    }
    const body = jsonBody(ctx);
    const check = { requireModel: true, rejectParams: opts.rejectParams };
    if (route === 'moderations') return moderations(ctx, body);
    if (route === 'completions') {
      validateCompletion(body, check);
      if (!completionModels.includes(body.model) && !completionModels.some((m) => body.model.startsWith(`ft:${m}:`))) throw completionModelError(body.model);
      return completions(ctx, body, body.model);
    }
    if (route === 'chat') validateChat(body, check);
    else validateEmbeddings(body, check);
    if (!knowsModel(body.model)) {
      throw openAIError(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, null, 'model_not_found');
    }
    return route === 'chat' ? chat(ctx, body, body.model, false) : embeddings(ctx, body, body.model);
  }

  async function routeAzure(ctx: Ctx): Promise<void> {
    const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/.exec(ctx.path);
    if (!m || ctx.req.method !== 'POST' || !ctx.query['api-version']) throw AZURE_NOT_FOUND();
    const [, deployment, op] = m;
    const { 'api-key': key, authorization } = ctx.req.headers;
    const bearerOk = opts.azureBearerToken !== undefined && authorization === `Bearer ${opts.azureBearerToken}`;
    if (key !== opts.apiKey && !bearerOk) {
      throw azureError(
        401,
        '401',
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active ' +
          'subscription and use a correct regional API endpoint for your resource.',
      );
    }
    if (opts.azureApiVersions && !opts.azureApiVersions.includes(ctx.query['api-version'])) {
      throw azureError(400, 'BadRequest', 'API version not supported');
    }
    if (opts.azureDeployments && !opts.azureDeployments.includes(deployment)) {
      throw azureError(
        404,
        'DeploymentNotFound',
        'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, ' +
          'please wait a moment and try again.',
      );
    }
    const body = jsonBody(ctx);
    const check = { requireModel: false, rejectParams: opts.rejectParams };
    const model = typeof body.model === 'string' && body.model !== '' ? body.model : deployment;
    if (op === 'chat/completions') {
      validateChat(body, check);
      return chat(ctx, body, model, true);
    }
    if (op === 'completions') {
      validateCompletion(body, check);
      return completions(ctx, body, model);
    }
    validateEmbeddings(body, check);
    return embeddings(ctx, body, model);
  }

  function checkBearer(authorization: string | undefined): void {
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    if (!token) {
      throw openAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
          "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the " +
          'API from your browser and are prompted for a username and password. You can obtain an API key from ' +
          'https://platform.openai.com/account/api-keys.',
      );
    }
    if (token !== opts.apiKey) {
      const shown = token.length > 12 ? `${token.slice(0, 8)}${'*'.repeat(token.length - 12)}${token.slice(-4)}` : token;
      throw openAIError(
        401,
        `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        null,
        'invalid_api_key',
      );
    }
  }

  async function chat(ctx: Ctx, body: Record<string, any>, model: string, azure: boolean): Promise<void> {
    const plan = planChat(body, opts.replyText);
    const meta = { ...replyMeta(ctx, 'chatcmpl', model), azure };
    if (body.stream !== true) {
      if (applyBodyFault(ctx)) return;
      return sendJson(ctx.res, 200, chatCompletion(body, plan, meta), ctx.headers);
    }
    return stream(ctx, chatChunks(body, plan, meta));
  }

  async function completions(ctx: Ctx, body: Record<string, any>, model: string): Promise<void> {
    const meta: CompletionMeta = { ...replyMeta(ctx, 'cmpl', model), replyText: opts.replyText };
    if (body.stream !== true) {
      if (applyBodyFault(ctx)) return;
      return sendJson(ctx.res, 200, completionResponse(body, meta), ctx.headers);
    }
    return stream(ctx, completionChunks(body, meta));
  }

  /** An SSE answer of these events, with the armed stream fault (cut, malformed, stream-error) applied. */
  async function stream(ctx: Ctx, chunks: Record<string, unknown>[]): Promise<void> {
    const fault = ctx.fault;
    const sse = new SseWriter(ctx.res, {
      chunkDelayMs: opts.streamChunkDelayMs,
      cutAfterChunks: fault?.kind === 'cut' ? fault.afterChunks : undefined,
    });
    sse.open(ctx.headers);
    if (fault?.kind === 'malformed') {
      await sse.data(chunks[0]);
      // The next event cut in the middle of its JSON.
      const next = JSON.stringify(chunks[1] ?? chunks[0]);
      await sse.data(next.slice(0, Math.floor(next.length / 2)));
      return sse.done();
    }
    for (const [i, c] of chunks.entries()) {
      if (fault?.kind === 'stream-error' && i === fault.afterChunks) {
        await sse.data({ error: SERVER_ERROR });
        return sse.end();
      }
      if (!(await sse.data(c))) return;
    }
    if (fault?.kind === 'stream-error') await sse.data({ error: SERVER_ERROR });
    await sse.done();
  }

  async function moderations(ctx: Ctx, body: Record<string, any>): Promise<void> {
    validateModeration(body, { rejectParams: opts.rejectParams });
    const model: string = body.model ?? DEFAULT_MODERATION_MODEL;
    const refused = moderationModelError(model);
    if (refused) throw refused;
    if (applyBodyFault(ctx)) return;
    sendJson(ctx.res, 200, moderationResponse(body, model, ctx.seq), ctx.headers);
  }

  async function embeddings(ctx: Ctx, body: Record<string, any>, model: string): Promise<void> {
    if (applyBodyFault(ctx)) return;
    sendJson(ctx.res, 200, embeddingsResponse(body, model), ctx.headers);
  }

  return {
    url: listening.url,
    port: listening.port,
    requests,
    setNext: (fault) => faults.set(fault),
    close: listening.close,
  };
}

/** Id, time and fingerprint of one answer, derived from the request so they are deterministic. */
function replyMeta(ctx: Ctx, prefix: string, model: string): { id: string; created: number; model: string; fingerprint: string } {
  return {
    id: `${prefix}-${hashId(`${ctx.seq}|${ctx.body.text}`, 29)}`,
    created: Math.floor(Date.now() / 1000),
    model,
    fingerprint: `fp_${createHash('sha256').update(model).digest('hex').slice(0, 10)}`,
  };
}

/** Content-Type must be application/json and the body a JSON object. */
function jsonBody(ctx: Ctx): Record<string, any> {
  const header = ctx.req.headers['content-type'] ?? '';
  if (mediaType(header) !== 'application/json') {
    throw badRequest(
      `Unsupported content type: '${header}'. This API method only accepts 'application/json' requests, but you specified ` +
        `the header 'Content-Type: ${header}'. Please try again with a supported content type.`,
      null,
      'unsupported_content_type',
    );
  }
  const json = ctx.body.json;
  if (!json?.ok || !isObject(json.value)) throw badRequest(JSON_PARSE_ERROR);
  return json.value;
}

/** Non-streaming effect of cut / malformed / stream-error faults; true when it answered. */
function applyBodyFault(ctx: Ctx): boolean {
  switch (ctx.fault?.kind) {
    case 'cut':
      ctx.res.socket?.destroy();
      return true;
    case 'malformed':
      sendRaw(ctx.res, 200, '{"id":"chatcmpl-broken","object":', { 'content-type': 'application/json', ...ctx.headers });
      return true;
    case 'stream-error':
      sendJson(ctx.res, 500, { error: SERVER_ERROR }, ctx.headers);
      return true;
    default:
      return false;
  }
}

function sendStatusFault(res: ServerResponse, fault: Extract<Fault, { kind: 'status' }>): void {
  const body = fault.body ?? JSON.stringify({ error: defaultFaultError(fault.status) });
  sendRaw(res, fault.status, body, fault.headers ?? {});
}

function defaultFaultError(status: number) {
  if (status === 429) {
    return {
      message: 'Rate limit reached for requests. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    };
  }
  if (status === 503) return { ...SERVER_ERROR, message: 'The engine is currently overloaded, please try again later.' };
  if (status >= 500) return SERVER_ERROR;
  return { message: `Mock fault: HTTP ${status}`, type: 'invalid_request_error', param: null, code: null };
}
