/**
 * The Anthropic-format inbound API: `POST /v1/messages` and `POST /v1/messages/count_tokens`.
 * Requests are translated to the canonical request at this edge, so every plugin sees one shape;
 * an Anthropic upstream gets the client's own body (lossless pass-through, decided by the core).
 */
import { ModelNotFoundError, mayUseModel, toGatewayError, type ChatCompletion, type Gateway, type RequestContext } from '@tollgate/core';
import type { RequestLog } from '../access-log.js';
import { bindAbort, readJson, sendJson } from '../http.js';
import { tollgateHeaders, writeSse, type Handler, type TollgateServer } from '../server.js';
import { sendAnthropicError } from './anthropic-errors.js';
import { AnthropicEventEncoder } from './anthropic-stream.js';
import { anthropicToCanonical, canonicalToAnthropic, estimateInputTokens } from './anthropic-translate.js';

export interface AnthropicInboundOptions {
  /** Request body limit in bytes. */
  bodyLimit: number;
  /** The server's access log. */
  logRequest: RequestLog;
}

export function registerAnthropicInbound(app: Pick<TollgateServer, 'handle'>, gateway: Gateway, options: AnthropicInboundOptions): void {
  const { logRequest } = options;

  // The caller was authenticated from the headers before this runs; errors (auth included) go out in Anthropic's envelope.
  const messages: Handler = async (req, res, requestId, caller) => {
    const body = await readJson(req, options.bodyLimit);
    const { request, warnings } = anthropicToCanonical(body);
    const ctx: RequestContext = gateway.createContext('chat', request, { id: requestId, headers: req.headers, inboundFormat: 'anthropic', inboundBody: body, caller });
    ctx.warnings.push(...warnings);
    bindAbort(res, ctx);
    try {
      // rawEvents: an Anthropic upstream's stream events come back as ready SSE text.
      const result = await gateway.execute(ctx, { rawEvents: true });
      if (result.kind === 'response') {
        // Same format upstream: its own answer as received; otherwise translate the canonical one.
        sendJson(res, 200, ctx.rawResponseText ?? canonicalToAnthropic(result.response as ChatCompletion), tollgateHeaders(ctx));
        logRequest(ctx, 200);
        return;
      }
      // Anthropic streams end with message_stop, never `[DONE]`.
      const encoder = new AnthropicEventEncoder(ctx.requestedModel);
      await writeSse(res, ctx, result.stream, { encode: (item) => encoder.item(item), onError: (e) => encoder.fail(e), done: () => encoder.finish() });
      logRequest(ctx, ctx.error ? ctx.error.status : 200);
    } catch (err) {
      const e = toGatewayError(err);
      sendAnthropicError(res, e, tollgateHeaders(ctx));
      logRequest(ctx, e.status);
    }
  };

  const countTokens: Handler = async (req, res, requestId, caller) => {
    const body = await readJson(req, options.bodyLimit);
    const { request } = anthropicToCanonical(body, true);
    if (!gateway.group(request.model) || !mayUseModel(caller, request.model)) throw new ModelNotFoundError(request.model);
    sendJson(res, 200, { input_tokens: estimateInputTokens(body as Record<string, unknown>) }, { 'x-request-id': requestId });
  };

  // handle() also registers the path under /v1.
  app.handle('POST', '/messages', messages, sendAnthropicError);
  app.handle('POST', '/messages/count_tokens', countTokens, sendAnthropicError);
}
