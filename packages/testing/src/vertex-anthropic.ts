/**
 * Claude on Vertex AI for the Gemini mock's vertex flavor (`publishers/anthropic/models/{m}:rawPredict`
 * and `:streamRawPredict`): the Anthropic Messages body with `anthropic_version: "vertex-2023-10-16"`
 * in the body and no `model` (it is in the URL), validated and answered by the Anthropic mock's own
 * validator and reply builder.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from './http.js';
import { anthropicError, validateMessages } from './anthropic-validate.js';
import { messageEvents, planMessage } from './anthropic-reply.js';
import type { MockGeminiOptions } from './gemini-mock.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** A handler for MockGeminiOptions.anthropic; `issued` collects the thinking signatures it hands out. */
export function vertexAnthropicHandler(issued: Set<string> = new Set()): NonNullable<MockGeminiOptions['anthropic']> {
  let seq = 0;
  const cache = new Set<string>();
  return async ({ res, model, stream, body, fault }) => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw anthropicError(400, 'invalid_request_error', 'The body must be a valid JSON object.');
    const { anthropic_version: version, ...rest } = body as Record<string, any>;
    if (version === undefined) throw anthropicError(400, 'invalid_request_error', 'anthropic_version: Field required');
    if (version !== VERTEX_ANTHROPIC_VERSION) throw anthropicError(400, 'invalid_request_error', `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`);
    if ('model' in rest) throw anthropicError(400, 'invalid_request_error', 'model: Extra inputs are not permitted');
    if ((rest.stream === true) !== stream) {
      throw anthropicError(400, 'invalid_request_error', stream ? 'stream: streamRawPredict requires "stream": true' : 'stream: use streamRawPredict to stream');
    }
    const withModel = { ...rest, model };
    const v = validateMessages(withModel, { issued, countTokens: false });
    const message = planMessage(withModel, v, { seq: ++seq, interleaved: false, issue: (t) => issued.add(t), cache });
    if (!stream) return sendJson(res, 200, message);
    await writeEvents(res, messageEvents(message), fault?.kind === 'cut' ? fault.afterChunks : undefined);
  };
}

async function writeEvents(res: ServerResponse, events: Array<{ event: string; data: unknown }>, cutAfter: number | undefined): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const [i, e] of events.entries()) {
    if (cutAfter !== undefined && i === cutAfter) {
      res.socket?.destroy();
      return;
    }
    await new Promise<void>((resolve) => res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`, () => resolve()));
  }
  res.end();
}
