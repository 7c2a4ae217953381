import type { Deployment, StreamParser } from '../adapter.js';
import { GatewayError } from '../errors.js';
import { framedBatches, sseEvent } from '../transport/framing.js';
import type { UpstreamResponse } from '../transport/types.js';
import type { ChatCompletionChunk, Usage } from '../types/openai.js';
import { StreamAssembler } from './assemble.js';
import type { RequestContext } from './context.js';
import type { GatewayHooks } from './hooks.js';

/** What a stream yields: a ready SSE frame (pass-through bytes) or a canonical chunk to encode. */
export type StreamItem = string | ChatCompletionChunk;

/** True when `"key":` is followed by something other than null (a cheap check, no JSON parse). */
function hasNonNull(data: string, key: string): boolean {
  let i = data.indexOf(key);
  while (i !== -1) {
    let j = i + key.length;
    while (data.charCodeAt(j) === 32) j++;
    if (data.charCodeAt(j) === 58 /* : */) {
      j++;
      while (data.charCodeAt(j) === 32) j++;
      if (data.charCodeAt(j) !== 110 /* n */) return true;
    }
    i = data.indexOf(key, i + 1);
  }
  return false;
}

export interface StreamRunOptions {
  hooks: GatewayHooks;
  deployment: Deployment;
  parser: StreamParser;
  upstream: UpstreamResponse;
  /** May OpenAI-format event bytes go to the client untouched? */
  passThrough: boolean;
}

/**
 * One `for await` loop over the upstream body. Fast path: an OpenAI-format upstream, an OpenAI
 * client and no chunk taps — event text goes out unchanged and only events carrying usage, a
 * finish_reason or an error are parsed. Otherwise each event goes through the adapter's parser.
 */
export async function* runStream(ctx: RequestContext, o: StreamRunOptions): AsyncGenerator<StreamItem, void, undefined> {
  const { hooks, parser, passThrough } = o;
  const chunkTapped = hooks.transformChunk.isUsed();
  const assembler = hooks.streamEnd.isUsed() ? new StreamAssembler() : null;
  const stripUsage = !ctx.clientWantsUsage;

  const emit = (chunk: ChatCompletionChunk): ChatCompletionChunk | null => {
    if (chunk.usage) ctx.usage = chunk.usage as Usage;
    for (let i = 0; i < chunk.choices.length; i++) {
      const f = chunk.choices[i].finish_reason;
      if (f) ctx.finishReason = f;
    }
    let out: ChatCompletionChunk | null = chunk;
    if (chunkTapped) out = hooks.transformChunk.call(chunk, ctx);
    // The assembled answer is what the client received (after chunk taps).
    if (assembler && out) assembler.add(out);
    if (out && stripUsage && out.usage !== undefined) {
      if (out.choices.length === 0) return null;
      out = { ...out };
      delete out.usage;
    }
    return out;
  };

  const openaiWire = o.deployment.prepared.wireFormat === 'openai';
  for await (const events of framedBatches(o.deployment.prepared.framing, o.upstream.body)) {
    // Pass-through events of one upstream read go out as one string item (one write downstream).
    let text = '';
    try {
      for (let k = 0; k < events.length; k++) {
        const ev = events[k];
        if (ev.data === '[DONE]') continue;
        if (passThrough && !openaiWire) {
          // Same non-OpenAI format on both sides: every event is parsed for accounting, but the
          // client gets the upstream's own event, unchanged.
          const parsed = parser.event(ev);
          if (parsed) for (const c of Array.isArray(parsed) ? parsed : [parsed]) emit(c);
          text += sseEvent(ev.data, ev.event);
          continue;
        }
        if (passThrough) {
          if (hasNonNull(ev.data, '"usage"') || hasNonNull(ev.data, '"finish_reason"') || ev.data.includes('"error"')) {
            const parsed = parser.event(ev);
            if (!parsed) continue;
            const chunks = Array.isArray(parsed) ? parsed : [parsed];
            for (const c of chunks) {
              const out = emit(c);
              if (out === c) text += sseEvent(ev.data);
              else if (out) {
                if (text) { yield text; text = ''; }
                yield out;
              }
            }
          } else {
            text += sseEvent(ev.data);
          }
          continue;
        }
        const parsed = parser.event(ev);
        if (!parsed) continue;
        if (Array.isArray(parsed)) {
          for (const c of parsed) { const out = emit(c); if (out) yield out; }
        } else {
          const out = emit(parsed);
          if (out) yield out;
        }
      }
    } catch (err) {
      // The events before a failing one (an in-band error event) still reach the client.
      if (text) yield text;
      throw err;
    }
    if (text) yield text;
  }
  const tail = parser.end?.();
  if (tail) for (const c of Array.isArray(tail) ? tail : [tail]) { const out = emit(c); if (out) yield out; }
  if (chunkTapped) {
    // Let a holding tap (a guardrail with a look-behind window) flush at the end.
    const flushed = hooks.transformChunk.call(null, ctx);
    if (flushed) {
      if (assembler) assembler.add(flushed);
      yield flushed;
    }
  }
  if (!ctx.finishReason) {
    // The upstream closed without finishing: a cut stream is an error, never a silent end.
    throw new GatewayError(502, 'api_error', 'Upstream stream ended before completion.', { code: 'stream_incomplete', kind: 'connection' });
  }
  if (assembler) {
    const whole = assembler.result();
    ctx.response = whole;
    await hooks.streamEnd.promise(whole, ctx);
  }
}

/** JSON.parse that reports an upstream's malformed body as a 502, not a crash. */
export function parseUpstreamJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GatewayError(502, 'api_error', 'Upstream returned a malformed response body.', { code: 'bad_upstream_response', kind: 'server', cause: err });
  }
}
