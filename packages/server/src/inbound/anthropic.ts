/**
 * The Anthropic-format inbound API: `POST /v1/messages` and `POST /v1/messages/count_tokens`.
 * Requests are translated to the canonical request at this edge, so every plugin sees one shape;
 * an Anthropic upstream gets the client's own body (lossless pass-through, decided by the core).
 * The format itself (both directions) is @tollgate/adapter-anthropic's; this file is the HTTP side.
 */
import type { ServerResponse } from 'node:http';
import {
  AnthropicEventEncoder,
  anthropicErrorBody,
  anthropicErrorEvent,
  anthropicRequestToCanonical,
  anthropicServerTools,
  canonicalToAnthropicMessage,
  estimateAnthropicInputTokens,
} from '@tollgate/adapter-anthropic';
import { BadRequestError, GatewayError, ModelNotFoundError, mayUseModel, toGatewayError, type ChatCompletion, type ChatCompletionRequest, type Gateway, type RequestContext } from '@tollgate/core';
import type { RequestLog } from '../access-log.js';
import { bindAbort, readJson, sendJson } from '../http.js';
import { tollgateHeaders, writeSse, type Handler, type TollgateServer } from '../server.js';

function sendAnthropicError(res: ServerResponse, e: GatewayError, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = anthropicErrorBody(e);
  const h: Record<string, string> = { ...headers };
  if (e.retryAfter !== undefined) h['retry-after'] = String(Math.ceil(e.retryAfter));
  sendJson(res, status, body, h);
}

/**
 * Anthropic server tools run on Anthropic's side: a model group any of whose deployments speaks
 * another format could not run them (its adapter would fail on a tool with no function), so the
 * request is refused up front, naming them.
 */
function refuseServerTools(gateway: Gateway, request: ChatCompletionRequest): void {
  const named = anthropicServerTools(request);
  if (!named.length) return;
  const other = gateway.group(request.model)?.deployments.find((d) => d.prepared.wireFormat !== 'anthropic');
  if (!other) return;
  throw new BadRequestError(
    `${named.join(', ')}: Anthropic server tools need an Anthropic deployment, but model \`${request.model}\` is also served by ${other.provider}/${other.providerModel}.`,
    { param: 'tools', code: 'unsupported_tool' },
  );
}

export interface AnthropicInboundOptions {
  /** Request body limit in bytes. */
  bodyLimit: number;
  /** The server's request log, for requests that run no pipeline (count_tokens, a wrong method). */
  logRequest: RequestLog;
}

export function registerAnthropicInbound(app: Pick<TollgateServer, 'handle'>, gateway: Gateway, options: AnthropicInboundOptions): void {
  const { logRequest } = options;
  // The caller was authenticated from the headers before this runs; errors (auth included) go out in Anthropic's envelope.
  const messages: Handler = async (req, res, requestId, caller) => {
    const body = await readJson(req, options.bodyLimit);
    const { request, warnings } = anthropicRequestToCanonical(body);
    refuseServerTools(gateway, request);
    const ctx: RequestContext = gateway.createContext('chat', request, { id: requestId, headers: req.headers, inboundFormat: 'anthropic', inboundBody: body, caller });
    ctx.warnings.push(...warnings);
    bindAbort(res, ctx);
    try {
      // rawEvents: an Anthropic upstream's stream events come back as ready SSE text.
      const result = await gateway.execute(ctx, { rawEvents: true });
      if (result.kind === 'response') {
        // Same format upstream: its own answer as received; otherwise translate the canonical one.
        sendJson(res, 200, ctx.rawResponseText ?? canonicalToAnthropicMessage(result.response as ChatCompletion), tollgateHeaders(ctx));
        return;
      }
      // Anthropic streams end with message_stop, never `[DONE]`.
      const encoder = new AnthropicEventEncoder(ctx.requestedModel);
      await writeSse(res, ctx, result.stream, { encode: (item) => encoder.item(item), onError: (e) => encoder.fail(e), done: () => encoder.finish() });
    } catch (err) {
      sendAnthropicError(res, toGatewayError(err), tollgateHeaders(ctx));
    }
  };

  const countTokens: Handler = async (req, res, requestId, caller) => {
    const route = 'POST /v1/messages/count_tokens';
    const body = await readJson(req, options.bodyLimit);
    const { request } = anthropicRequestToCanonical(body, true);
    if (!gateway.group(request.model) || !mayUseModel(caller, request.model)) throw new ModelNotFoundError(request.model);
    sendJson(res, 200, { input_tokens: estimateAnthropicInputTokens(body as Record<string, unknown>) }, { 'x-request-id': requestId });
    // No pipeline runs here, so the access line is written directly (failures get theirs from the server).
    logRequest.bare({ requestId, route, model: request.model, status: 200 });
  };

  // Anthropic's API answers other methods on these paths with an error in its own envelope.
  const postOnly: Handler = async (req, res, requestId) => {
    res.setHeader('allow', 'POST');
    const e = new GatewayError(405, 'invalid_request_error', `Method ${req.method} is not allowed here; use POST.`, { code: 'method_not_allowed' });
    sendAnthropicError(res, e, { 'x-request-id': requestId });
    logRequest.bare({ requestId, route: `${req.method} ${(req.url ?? '').split('?')[0]}`, status: 405, err: e });
  };

  // handle() also registers the path under /v1.
  app.handle('POST', '/messages', messages, sendAnthropicError);
  app.handle('POST', '/messages/count_tokens', countTokens, sendAnthropicError);
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    app.handle(method, '/messages', postOnly, sendAnthropicError);
    app.handle(method, '/messages/count_tokens', postOnly, sendAnthropicError);
  }
}
