import { generateKeyPairSync } from 'node:crypto';
import {
  RequestContext,
  chatOperation,
  createLogger,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type Deployment,
  type DeploymentParams,
  type FramedEvent,
  type GatewayError,
} from '@tollgate/core';
import { geminiAdapter } from '../src/index.js';

export const logger = createLogger({ level: 'silent' });

/** A deployment prepared by the adapter, as the gateway would at start-up. */
export function deployment(params: DeploymentParams, dropParams = false): Deployment {
  const [provider, ...rest] = params.model.split('/');
  const base = {
    id: 'd#0',
    modelName: 'g',
    provider,
    providerModel: rest.join('/'),
    params,
    modelInfo: {},
    tags: [],
    stats: { inFlight: 0, requests: 0, failures: 0, latencyMs: 0, latencyPerTokenMs: 0, ttftMs: 0, minuteStart: 0, minuteRequests: 0, minuteTokens: 0, lastError: null, lastErrorAt: 0 },
  };
  return { ...base, prepared: geminiAdapter.prepare(base, { logger, dropParams }) };
}

export const studio = (extra: Partial<DeploymentParams> = {}, dropParams = false): Deployment =>
  deployment({ model: 'gemini/gemini-2.5-flash', api_key: 'AIzaTestKey-1234567890abcdefghij', ...extra }, dropParams);

export function context(request: Partial<ChatCompletionRequest> & Record<string, unknown> = {}): RequestContext {
  return new RequestContext({
    id: 'req-1',
    operation: 'chat',
    spec: chatOperation,
    request: { model: 'g', messages: [{ role: 'user', content: 'hi' }], ...request } as ChatCompletionRequest,
    slots: {},
  });
}

/** Build the upstream body for a chat request through the adapter. */
export function build(request: Partial<ChatCompletionRequest> & Record<string, unknown>, d: Deployment = studio()) {
  const req = { model: 'g', messages: [{ role: 'user', content: 'hi' }], ...request } as ChatCompletionRequest;
  const ctx = context(req);
  const up = geminiAdapter.operations.chat!.buildRequest(req, d, ctx);
  return { up, body: JSON.parse(up.body as string), ctx };
}

/** Feed SSE data payloads (objects) through the adapter's stream parser. */
export function parseStream(events: unknown[], d: Deployment = studio()): { chunks: ChatCompletionChunk[]; tail: ChatCompletionChunk[] } {
  const parser = geminiAdapter.operations.chat!.createStreamParser(d, context({ stream: true }));
  const chunks: ChatCompletionChunk[] = [];
  for (const e of events) {
    const ev: FramedEvent = { data: typeof e === 'string' ? e : JSON.stringify(e) };
    const out = parser!.event(ev);
    if (out) chunks.push(...(Array.isArray(out) ? out : [out]));
  }
  const end = parser!.end?.();
  const tail = end ? (Array.isArray(end) ? end : [end]) : [];
  return { chunks, tail };
}

/** A throwaway service account with a fresh RSA key. */
export function serviceAccount(tokenUri?: string) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'kid-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'tollgate-test@test-project.iam.gserviceaccount.com',
    client_id: '1234567890',
    ...(tokenUri ? { token_uri: tokenUri } : {}),
  };
}

/** The error a request fails with (the test fails if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('expected the request to fail');
}
