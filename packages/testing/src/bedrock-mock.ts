/**
 * A strict mock of AWS Bedrock on 127.0.0.1: bedrock-runtime's Converse (`POST /model/{modelId}/converse`),
 * ConverseStream (`/converse-stream`, real `application/vnd.amazon.eventstream` frames with CRCs) and
 * InvokeModel (`/invoke`: Titan and Cohere embeddings), and bedrock-agent-runtime's Rerank (`POST /rerank`)
 * on the same port. Requests are authenticated like AWS does: SigV4 verified from the documented
 * algorithm (sigv4-verify.ts), or a Bedrock API key as `Authorization: Bearer ...`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSlot, listen, mediaType, receive, sendJson, sleep, type Fault, type RecordedRequest } from './http.js';
import { bedrockError, validateConverse, BEDROCK_ERROR_STATUS } from './bedrock-validate.js';
import { cohereEmbedding, converseBody, converseEvents, planConverse, promptTokens, rerankResults, titanEmbedding, type ConverseStreamEvent } from './bedrock-reply.js';
import { corrupt, eventFrame, exceptionFrame } from './eventstream.js';
import { verifySigV4, type AwsCredential } from './sigv4-verify.js';

export interface BedrockMockOptions {
  /** Region requests must be signed for. Default 'us-east-1'. */
  region?: string;
  /** Accepted SigV4 credentials. Default: one pair, MOCK_ACCESS_KEY_ID / MOCK_SECRET_ACCESS_KEY. */
  credentials?: AwsCredential[];
  /** Accepted Bedrock API keys (bearer). Default: [MOCK_BEDROCK_API_KEY]. */
  apiKeys?: string[];
  /** Known model ids (after URL-decoding); others get "The provided model identifier is invalid.". Default: any well-formed id. */
  models?: string[];
  /** Prompts longer than this (mock tokens) are refused as Bedrock refuses them. Default 200000. */
  contextWindowTokens?: number;
  replyText?: string;
  latencyMs?: number;
  streamEventDelayMs?: number;
}

export const MOCK_ACCESS_KEY_ID = 'AKIAMOCKBEDROCK00001';
export const MOCK_SECRET_ACCESS_KEY = 'mock/secret+access/key/0123456789abcdef';
export const MOCK_BEDROCK_API_KEY = 'ABSKbW9jay1iZWRyb2NrLWFwaS1rZXktMDAwMQ==';

/** One-shot faults: the shared ones plus Bedrock's own. */
export type BedrockFault =
  | Fault
  /** A Bedrock error answer of this type (status from the service model). */
  | { kind: 'error'; type: string; message?: string }
  /** An `:message-type: exception` frame after N stream events. */
  | { kind: 'stream-exception'; afterEvents: number; type?: string; message?: string }
  /** A frame with a bad message CRC after N stream events. */
  | { kind: 'corrupt-frame'; afterEvents: number }
  /** Put the received credential (access key id and session token, or the API key) in an error message. */
  | { kind: 'echo-credential'; as: 'auth' | 'validation' | 'stream' };

export interface BedrockMockServer {
  url: string;
  port: number;
  region: string;
  requests: RecordedRequest[];
  /** Reasoning signatures and redacted payloads handed out. */
  issued: Set<string>;
  setNext(fault: BedrockFault): void;
  close(): Promise<void>;
}

const DEFAULT_TYPE: Record<number, string> = {
  400: 'ValidationException', 403: 'AccessDeniedException', 404: 'ResourceNotFoundException', 408: 'ModelTimeoutException',
  424: 'ModelErrorException', 429: 'ThrottlingException', 500: 'InternalServerException', 503: 'ServiceUnavailableException',
};
const DEFAULT_MESSAGE: Record<string, string> = {
  ValidationException: 'Mock fault: invalid request',
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ResourceNotFoundException: 'Model not found.',
  ModelTimeoutException: 'Model has timed out in processing the request. Try your request again.',
  ModelErrorException: 'The system encountered an unexpected error during processing. Try your request again.',
  ThrottlingException: 'Too many requests, please wait before trying again.',
  InternalServerException: 'The server encountered an internal error while processing the request.',
  ServiceUnavailableException: 'Bedrock is unable to process your request.',
  ExpiredTokenException: 'The security token included in the request is expired',
  UnrecognizedClientException: 'The security token included in the request is invalid.',
};
const STREAM_EXCEPTIONS = new Set(['internalServerException', 'modelStreamErrorException', 'validationException', 'throttlingException', 'serviceUnavailableException']);

// Model ids: base ids ("anthropic.claude-3-5-sonnet-20241022-v2:0"), cross-region inference profiles
// ("us.anthropic..."), and ARNs of foundation models, profiles, provisioned and custom models.
const GEO = /^(us|eu|apac|global|us-gov|jp|au|ca)\./;
const ARN = /^arn:aws(-[a-z]+)?:bedrock:[a-z0-9-]+:(\d{12})?:(foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model|imported-model)\/[A-Za-z0-9.:_-]+$/;
const BASE_ID = /^[a-z0-9-]+\.[A-Za-z0-9.:_-]+$/;

/** The provider family of a model id ("anthropic", "amazon", "cohere", ...), '' when not a foundation model id. */
export function bedrockModelFamily(modelId: string): string {
  let id = modelId;
  if (id.startsWith('arn:')) id = id.slice(id.indexOf('/') + 1);
  id = id.replace(GEO, '');
  return BASE_ID.test(id) ? id.slice(0, id.indexOf('.')) : '';
}

export async function startBedrockMock(options: BedrockMockOptions = {}): Promise<BedrockMockServer> {
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? [{ accessKeyId: MOCK_ACCESS_KEY_ID, secretAccessKey: MOCK_SECRET_ACCESS_KEY }];
  const apiKeys = options.apiKeys ?? [MOCK_BEDROCK_API_KEY];
  const requests: RecordedRequest[] = [];
  const issued = new Set<string>();
  const cache = new Set<string>();
  const faults = new FaultSlot();
  let seq = 0;

  /** Who signed the request: null when the signature or key holds, else the refusal. Returns the credential text for echo faults. */
  function authenticate(req: IncomingMessage, body: Buffer): string {
    const auth = String(req.headers.authorization ?? '');
    if (/^bearer /i.test(auth)) {
      const key = auth.slice(7).trim();
      // API keys: long-term keys start with "ABSK", short-term ones with "bedrock-api-key-".
      if (!key.startsWith('ABSK') && !key.startsWith('bedrock-api-key-')) throw bedrockError('AccessDeniedException', 'Invalid API Key format: Must start with pre-defined prefix', 403, 'Message');
      if (!apiKeys.includes(key)) throw bedrockError('AccessDeniedException', 'Authentication failed: Please make sure your API Key is valid.', 403, 'Message');
      return key;
    }
    const failure = verifySigV4({ method: req.method ?? 'POST', rawUrl: req.url ?? '/', headers: req.headers, body }, { credentials, region, service: 'bedrock' });
    if (failure) throw bedrockError(failure.type, failure.message);
    const token = req.headers['x-amz-security-token'];
    return `${auth.slice(auth.indexOf('=') + 1, auth.indexOf('/'))}${token ? ` ${String(token)}` : ''}`;
  }

  const listening = await listen(async (req, res) => {
    const { text } = await receive(req, requests);
    const fault = faults.take() as BedrockFault | undefined;
    await sleep(options.latencyMs ?? 0);
    if (fault?.kind === 'delay') await sleep(fault.ms);

    const rawPath = (req.url ?? '/').split('?')[0];
    const segs = rawPath.split('/');
    const op = req.method === 'POST' && segs.length === 4 && segs[1] === 'model' ? segs[3] : req.method === 'POST' && rawPath === '/rerank' ? 'rerank' : null;
    if (!op || !['converse', 'converse-stream', 'invoke', 'rerank'].includes(op)) {
      throw bedrockError('UnknownOperationException', 'Unknown operation', 404);
    }
    const credential = authenticate(req, Buffer.from(text, 'utf8'));
    if (fault?.kind === 'echo-credential' && fault.as === 'auth') throw bedrockError('UnrecognizedClientException', `The security token included in the request is invalid: ${credential}`);
    if (fault?.kind === 'echo-credential' && fault.as === 'validation') throw bedrockError('ValidationException', `Malformed input request for credential ${credential}, please reformat your input and try again.`);
    if (fault?.kind === 'status') {
      const type = DEFAULT_TYPE[fault.status] ?? 'InternalServerException';
      throw bedrockError(type, DEFAULT_MESSAGE[type] ?? `Mock fault: HTTP ${fault.status}`, fault.status);
    }
    if (fault?.kind === 'error') throw bedrockError(fault.type, fault.message ?? DEFAULT_MESSAGE[fault.type] ?? fault.type, BEDROCK_ERROR_STATUS[fault.type] ?? 400);

    if (mediaType(req.headers['content-type']) !== 'application/json') throw bedrockError('ValidationException', 'Malformed input request: the request body must be JSON (Content-Type: application/json).');
    let body: Record<string, any>;
    try {
      body = JSON.parse(text);
    } catch {
      throw bedrockError('ValidationException', 'Malformed input request: the request body is not valid JSON, please reformat your input and try again.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bedrockError('ValidationException', 'Malformed input request: #: expected type: JSONObject, please reformat your input and try again.');
    const n = ++seq;
    const headers = { 'x-amzn-requestid': `mock-${n}` };

    if (op === 'rerank') return sendJson(res, 200, rerank(body, region), headers);

    let modelId: string;
    try {
      modelId = decodeURIComponent(segs[2]);
    } catch {
      throw bedrockError('ValidationException', 'The provided model identifier is invalid.');
    }
    const family = bedrockModelFamily(modelId);
    if ((!ARN.test(modelId) && !BASE_ID.test(modelId.replace(GEO, ''))) || (options.models && !options.models.includes(modelId))) {
      throw bedrockError('ValidationException', 'The provided model identifier is invalid.');
    }
    if (op === 'invoke') return invoke(res, modelId, body, n, headers);

    const v = validateConverse(body, { family, issued });
    const tokens = promptTokens(v);
    const window = options.contextWindowTokens ?? 200_000;
    if (tokens > window) {
      throw bedrockError('ValidationException', family === 'anthropic'
        ? `The model returned the following errors: prompt is too long: ${tokens} tokens > ${window} maximum`
        : 'Input is too long for requested model.');
    }
    const answer = planConverse(v, { seq: n, replyText: options.replyText, issue: (t) => issued.add(t), cache, modelId });
    const latencyMs = 100 + (n % 50);
    if (op === 'converse') {
      if (fault?.kind === 'cut') { res.socket?.destroy(); return; }
      if (fault?.kind === 'malformed') { res.writeHead(200, { 'content-type': 'application/json', ...headers }); res.end('{"output":{"message":'); return; }
      return sendJson(res, 200, converseBody(answer, latencyMs), headers);
    }
    await stream(res, converseEvents(answer, latencyMs), fault, credential, headers);
  });

  function invoke(res: ServerResponse, modelId: string, body: Record<string, any>, n: number, headers: Record<string, string>): void {
    const id = modelId.replace(GEO, '');
    const only = (allowed: string[]): void => {
      for (const k of Object.keys(body)) if (!allowed.includes(k)) throw bedrockError('ValidationException', `Malformed input request: #: extraneous key [${k}] is not permitted, please reformat your input and try again.`);
    };
    let out: { body: Record<string, unknown>; tokens: number };
    if (id.startsWith('amazon.titan-embed-text-v1')) {
      only(['inputText']);
      if (typeof body.inputText !== 'string' || !body.inputText) throw bedrockError('ValidationException', 'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.');
      out = titanEmbedding(body, false);
    } else if (id.startsWith('amazon.titan-embed-text-v2')) {
      only(['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
      if (typeof body.inputText !== 'string' || !body.inputText) throw bedrockError('ValidationException', 'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.');
      if (body.dimensions !== undefined && ![256, 512, 1024].includes(body.dimensions)) throw bedrockError('ValidationException', `Malformed input request: #/dimensions: ${body.dimensions} is not a valid enum value, please reformat your input and try again.`);
      if (body.normalize !== undefined && typeof body.normalize !== 'boolean') throw bedrockError('ValidationException', 'Malformed input request: #/normalize: expected type: Boolean, please reformat your input and try again.');
      out = titanEmbedding(body, true);
    } else if (id.startsWith('cohere.embed')) {
      const v4 = id.startsWith('cohere.embed-v4');
      only(['texts', 'images', 'input_type', 'truncate', 'embedding_types', ...(v4 ? ['inputs', 'output_dimension', 'max_tokens'] : [])]);
      if (!Array.isArray(body.texts) || body.texts.some((t: unknown) => typeof t !== 'string')) throw bedrockError('ValidationException', 'Malformed input request: #: required key [texts] not found, please reformat your input and try again.');
      if (body.texts.length > 96) throw bedrockError('ValidationException', `Malformed input request: #/texts: expected maximum item count: 96, found: ${body.texts.length}, please reformat your input and try again.`);
      if (!['search_document', 'search_query', 'classification', 'clustering'].includes(body.input_type)) throw bedrockError('ValidationException', 'Malformed input request: #: required key [input_type] not found, please reformat your input and try again.');
      out = cohereEmbedding(body, v4 ? 1536 : 1024, n);
    } else {
      throw bedrockError('ValidationException', 'The provided model identifier is invalid.');
    }
    sendJson(res, 200, out.body, { ...headers, 'x-amzn-bedrock-input-token-count': String(out.tokens) });
  }

  async function stream(res: ServerResponse, events: ConverseStreamEvent[], fault: BedrockFault | undefined, credential: string, headers: Record<string, string>): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', ...headers });
    res.flushHeaders();
    const write = (b: Buffer): Promise<void> => new Promise((resolve) => { res.write(b, () => resolve()); });
    for (const [i, e] of events.entries()) {
      if (res.destroyed) return;
      if (fault?.kind === 'stream-exception' && i === fault.afterEvents) {
        const type = fault.type ?? 'throttlingException';
        if (!STREAM_EXCEPTIONS.has(type)) throw new Error(`not a ConverseStream exception: ${type}`);
        await write(exceptionFrame(type, fault.message ?? 'Too many tokens, please wait before trying again.'));
        res.end();
        return;
      }
      if (fault?.kind === 'stream-error' && i === fault.afterChunks) {
        await write(exceptionFrame('serviceUnavailableException', DEFAULT_MESSAGE.ServiceUnavailableException));
        res.end();
        return;
      }
      if (fault?.kind === 'echo-credential' && fault.as === 'stream' && i === 2) {
        await write(exceptionFrame('validationException', `The model returned the following errors: credential ${credential} is not allowed here`));
        res.end();
        return;
      }
      if (fault?.kind === 'corrupt-frame' && i === fault.afterEvents) {
        await write(corrupt(eventFrame(e.type, e.payload)));
        res.end();
        return;
      }
      if (fault?.kind === 'cut' && i === fault.afterChunks) { res.socket?.destroy(); return; }
      if (i > 0) await sleep(options.streamEventDelayMs ?? 0);
      await write(eventFrame(e.type, e.payload));
    }
    res.end();
  }

  return { url: listening.url, port: listening.port, region, requests, issued, setNext: (f) => faults.set(f as Fault), close: listening.close };
}

/** bedrock-agent-runtime Rerank (API_agent-runtime_Rerank.html): one text query, inline sources, a reranking model ARN. */
function rerank(body: Record<string, any>, region: string): Record<string, unknown> {
  const bad = (m: string) => bedrockError('ValidationException', m);
  for (const k of Object.keys(body)) if (!['queries', 'sources', 'rerankingConfiguration', 'nextToken'].includes(k)) throw bad(`Malformed input request: #: extraneous key [${k}] is not permitted, please reformat your input and try again.`);
  const q = body.queries;
  if (!Array.isArray(q) || q.length !== 1 || q[0]?.type !== 'TEXT' || typeof q[0]?.textQuery?.text !== 'string') {
    throw bad("1 validation error detected: Value at 'queries' failed to satisfy constraint: Member must have length less than or equal to 1 and contain one TEXT query");
  }
  const sources = body.sources;
  if (!Array.isArray(sources) || sources.length === 0 || sources.length > 1000) throw bad("1 validation error detected: Value at 'sources' failed to satisfy constraint: Member must have length between 1 and 1000");
  const docs = sources.map((s: any, i: number) => {
    const d = s?.inlineDocumentSource;
    if (s?.type !== 'INLINE' || !d || !['TEXT', 'JSON'].includes(d.type)) throw bad(`Malformed input request: #/sources/${i}: expected an INLINE source of type TEXT or JSON, please reformat your input and try again.`);
    if (d.type === 'TEXT' && typeof d.textDocument?.text !== 'string') throw bad(`Malformed input request: #/sources/${i}/inlineDocumentSource: required key [textDocument] not found, please reformat your input and try again.`);
    if (d.type === 'JSON' && (typeof d.jsonDocument !== 'object' || d.jsonDocument === null)) throw bad(`Malformed input request: #/sources/${i}/inlineDocumentSource: required key [jsonDocument] not found, please reformat your input and try again.`);
    return d;
  });
  const rc = body.rerankingConfiguration;
  const mc = rc?.bedrockRerankingConfiguration?.modelConfiguration;
  if (rc?.type !== 'BEDROCK_RERANKING_MODEL' || typeof mc?.modelArn !== 'string') throw bad('Malformed input request: #/rerankingConfiguration: required key [bedrockRerankingConfiguration] not found, please reformat your input and try again.');
  const arn = new RegExp(`^arn:aws:bedrock:${region}::foundation-model/(cohere\\.rerank-v3-5:0|amazon\\.rerank-v1:0)$`);
  if (!arn.test(mc.modelArn)) throw bedrockError('ValidationException', `The provided model identifier is invalid. ModelArn: ${mc.modelArn}`);
  const n = rc.bedrockRerankingConfiguration.numberOfResults ?? docs.length;
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw bad("1 validation error detected: Value at 'rerankingConfiguration.bedrockRerankingConfiguration.numberOfResults' failed to satisfy constraint: Member must have value between 1 and 1000");
  return { results: rerankResults(q[0].textQuery.text, docs, n) };
}
