import type { Deployment, StreamParser } from '../adapter.js';
import { GatewayError, scrubErrorMessage, toGatewayError } from '../errors.js';
import type { StreamSpec } from '../operations/types.js';
import { createFrameDecoder, sseEvent } from '../transport/framing.js';
import type { FramedEvent, FrameDecoder, UpstreamResponse } from '../transport/types.js';
import { mapTransportError } from '../transport/undici.js';
import type { ChildCancellation } from './cancellation.js';
import type { AttemptRecord, RequestContext } from './context.js';
import type { GatewayHooks } from './hooks.js';

/** What a stream yields: ready event text in the client's format (upstream bytes), or a canonical chunk to encode. */
export type StreamItem = string | object;

/** Where a ResponseStream pulls its items from: a live upstream, or a ready answer replayed. */
export interface ItemSource {
  /** The next item, or undefined at the end. Throws a GatewayError when the stream fails. */
  next(): Promise<StreamItem | undefined>;
  /** Stop reading (the consumer went away or the request is over). */
  abort(reason: GatewayError): void;
}

export interface StreamRunOptions {
  hooks: GatewayHooks;
  deployment: Deployment;
  spec: StreamSpec<unknown, object>;
  parser: StreamParser<object>;
  upstream: UpstreamResponse;
  record: AttemptRecord;
  /** The attempt's own cancellation (its timeouts, and the request's). */
  cancellation: ChildCancellation;
  /** May upstream event text go to the client untouched (same format, nothing watching chunks)? */
  rawText: boolean;
  /** Is the upstream's format OpenAI's (whose events need parsing only for usage/finish/error)? */
  openaiWire: boolean;
  /** performance.now() when the attempt was sent (for upstream time). */
  sentAt: number;
  /** Removes the deployment's secrets from an error message that will leave. */
  scrub: (text: string) => string;
  /** Called at the first content event (clears the time-to-first-token timer). */
  onFirstContent: () => void;
}

/**
 * One upstream stream, read on demand: each upstream read is decoded synchronously (one await per
 * read, none per event), turned into items and queued. Before the first content event every event
 * is parsed, so a failure that comes first (an error event, a cut, a timeout) can still be retried;
 * after it, an OpenAI-format upstream talking to an OpenAI client is forwarded byte for byte and
 * only events carrying usage, a finish reason or an error are parsed.
 */
export class StreamRun implements ItemSource {
  /** Set at the first content event: from then on the stream belongs to the client. */
  committed = false;
  private readonly body: AsyncIterator<Uint8Array>;
  private readonly decoder: FrameDecoder;
  private readonly assembler: { add(c: object): void; result(): unknown } | null;
  private readonly chunkTapped: boolean;
  private readonly stripUsage: boolean;
  private queue: StreamItem[] = [];
  private head = 0;
  private upstreamDone = false;
  private finished = false;
  /** A failure after the commit, thrown once the items before it have been taken. */
  private failure: GatewayError | null = null;

  constructor(private readonly ctx: RequestContext, private readonly o: StreamRunOptions) {
    this.body = o.upstream.body[Symbol.asyncIterator]();
    this.decoder = createFrameDecoder(o.deployment.prepared.framing);
    this.assembler = ctx.collecting ? o.spec.assembler() : null;
    this.chunkTapped = o.hooks.transformChunk.isUsed();
    this.stripUsage = !ctx.clientWantsUsage;
  }

  /** Read until the first content event (or the end): failures up to here reach the retry logic. */
  async prime(): Promise<void> {
    while (!this.committed && !this.finished) await this.fill();
  }

  async next(): Promise<StreamItem | undefined> {
    while (this.head === this.queue.length) {
      if (this.failure) throw this.failure;
      if (this.finished) return undefined;
      this.queue = [];
      this.head = 0;
      await this.fill();
    }
    return this.queue[this.head++];
  }

  abort(reason: GatewayError): void {
    this.finished = true;
    this.o.cancellation.abort(reason);
  }

  /**
   * One upstream read: decode, parse, queue. At the body's end, flush and check completion. A
   * failure before the commit is thrown (the attempt may be retried); after it, the items queued
   * before the failure are delivered first.
   */
  private async fill(): Promise<void> {
    try {
      await this.read();
    } catch (err) {
      const e = scrubErrorMessage(toGatewayError(err), this.o.scrub);
      if (!this.committed) throw e;
      this.failure = e;
      this.finished = true;
    }
  }

  private async read(): Promise<void> {
    let events: FramedEvent[];
    if (this.upstreamDone) {
      events = [];
    } else {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.body.next();
      } catch (err) {
        throw mapTransportError(err, this.o.cancellation);
      }
      if (r.done) {
        this.upstreamDone = true;
        this.ctx.upstreamMs += performance.now() - this.o.sentAt;
        this.o.record.endedAt = this.ctx.elapsed();
        events = this.decoder.end();
      } else {
        events = this.decoder.push(r.value);
      }
    }
    this.events(events);
    if (this.upstreamDone && !this.finished) await this.end();
  }

  private events(events: FramedEvent[]): void {
    const { parser, spec, rawText, openaiWire } = this.o;
    // Event text of one read goes out as one item (one write downstream).
    let text = '';
    const counted = this.committed;
    if (counted) this.ctx.streamEvents += events.length;
    let commitAt = 0;
    try {
      for (let k = 0; k < events.length && !this.finished; k++) {
        if (!counted && !this.committed) commitAt = k;
        const ev = events[k];
        if (ev.data === '[DONE]') continue;
        if (rawText && openaiWire && this.committed && !this.assembler && !spec.needsParse(ev.data)) {
          text += sseEvent(ev.data);
          continue;
        }
        const parsed = parser.event(ev);
        if (!parsed) {
          if (rawText && !openaiWire) text += sseEvent(ev.data, ev.event);
          continue;
        }
        const chunks = Array.isArray(parsed) ? parsed : [parsed];
        if (rawText && !openaiWire) {
          // Same non-OpenAI format both sides: parsed for accounting only; the client gets the upstream's own event.
          for (let i = 0; i < chunks.length; i++) this.emit(chunks[i], null);
          text += sseEvent(ev.data, ev.event);
          continue;
        }
        if (rawText) {
          // The client speaks the upstream's format: it gets the upstream's own event, unless the
          // usage the core asked for must come out of it.
          let same = true;
          for (let i = 0; i < chunks.length; i++) {
            const out = this.emit(chunks[i], null);
            if (out !== chunks[i]) {
              same = false;
              if (out) { if (text) { this.queue.push(text); text = ''; } this.queue.push(out); }
            }
          }
          if (same) text += sseEvent(ev.data);
          continue;
        }
        for (let i = 0; i < chunks.length; i++) this.emit(chunks[i], this.queue);
      }
    } finally {
      // The events before a failing one (an in-band error event) still reach the client.
      if (text) this.queue.push(text);
      // The read that committed the stream counts from its first content event on.
      if (!counted && this.committed) this.ctx.streamEvents += events.length - commitAt;
    }
  }

  /**
   * Account for one canonical chunk and pass it through the chunk taps and watchers. Items go to
   * `out` (canonical mode); in raw mode the single resulting chunk is returned so the caller can
   * tell whether the upstream's text may be sent as is.
   */
  private emit(chunk: object, out: StreamItem[] | null): object | null {
    const ctx = this.ctx;
    if (this.o.spec.observe(chunk, ctx) && !this.committed) {
      this.committed = true;
      ctx.timings.firstToken = this.o.record.firstTokenAt = ctx.elapsed();
      this.o.onFirstContent();
    }
    if (out === null) {
      // Raw mode: no taps or watchers (checked when the mode was chosen).
      this.assembler?.add(chunk);
      return this.stripUsage && this.o.openaiWire && this.o.spec.hasUsage(chunk) ? this.o.spec.withoutUsage(chunk) : chunk;
    }
    let items: object | object[] | null = chunk;
    if (this.chunkTapped) items = this.o.hooks.transformChunk.call(chunk, ctx) as object | object[] | null;
    const watchers = ctx.chunkWatchers;
    if (watchers) for (let w = 0; w < watchers.length && items; w++) items = applyWatcher(watchers[w], items, ctx);
    if (items) for (const c of Array.isArray(items) ? items : [items]) this.push(c, out);
    if (ctx.streamEndReason && !this.finished) this.endEarly(out);
    return null;
  }

  private push(chunk: object, out: StreamItem[]): void {
    this.assembler?.add(chunk);
    if (this.stripUsage && this.o.spec.hasUsage(chunk)) {
      const c = this.o.spec.withoutUsage(chunk);
      if (c) out.push(c);
    } else {
      out.push(chunk);
    }
  }

  /** A tap or watcher ended the stream (ctx.endStream): a clean end with its finish reason, the upstream cancelled. */
  private endEarly(out: StreamItem[]): void {
    const ctx = this.ctx;
    const end = this.o.spec.endChunk(ctx.streamEndReason!, ctx);
    this.o.spec.observe(end, ctx);
    this.push(end, out);
    ctx.finishReason = ctx.streamEndReason;
    this.finished = true;
    if (!this.upstreamDone) {
      this.ctx.upstreamMs += performance.now() - this.o.sentAt;
      this.o.record.endedAt = ctx.elapsed();
      this.o.cancellation.abort(new GatewayError(499, 'aborted', 'Stream ended by the gateway.', { kind: 'aborted' }));
    }
    // A refusal (a guardrail): the client gets its error event after the end chunk.
    if (ctx.streamEndError) this.failure = ctx.streamEndError;
    this.finishAssembly();
  }

  /**
   * A `streamEnd` tap ended the stream (a check of the whole answer refused it): what was not
   * handed over yet is withheld; the end chunk (and the refusal's error) go out instead.
   */
  private withhold(): void {
    const ctx = this.ctx;
    const end = this.o.spec.endChunk(ctx.streamEndReason!, ctx);
    this.o.spec.observe(end, ctx);
    this.queue = [end];
    this.head = 0;
    ctx.finishReason = ctx.streamEndReason;
    if (ctx.streamEndError) this.failure = ctx.streamEndError;
  }

  private async end(): Promise<void> {
    const ctx = this.ctx;
    const tail = this.o.parser.end?.();
    if (tail) for (const c of Array.isArray(tail) ? tail : [tail]) this.emitTail(c);
    if (this.chunkTapped) {
      // Let a holding tap (a guardrail with a look-behind window) flush at the end.
      const flushed = this.o.hooks.transformChunk.call(null, ctx) as object | object[] | null;
      if (flushed) for (const c of Array.isArray(flushed) ? flushed : [flushed]) this.push(c, this.queue);
    }
    const watchers = ctx.chunkWatchers;
    if (watchers) {
      for (let w = 0; w < watchers.length; w++) {
        let held: object | object[] | null = watchers[w](null, ctx);
        for (let v = w + 1; v < watchers.length && held; v++) held = applyWatcher(watchers[v], held, ctx);
        if (held) for (const c of Array.isArray(held) ? held : [held]) this.push(c, this.queue);
      }
      // A watcher ended the stream at the flush (what it held broke a rule).
      if (ctx.streamEndReason) return this.endEarly(this.queue);
    }
    this.finished = true;
    if (!ctx.finishReason) {
      // The upstream closed without finishing: a cut stream is an error, never a silent end.
      throw new GatewayError(502, 'api_error', 'Upstream stream ended before completion.', { code: 'stream_incomplete', kind: 'connection' });
    }
    if (this.finishAssembly()) {
      await this.o.hooks.streamEnd.promise(ctx.response, ctx);
      if (ctx.streamEndReason) this.withhold();
    }
  }

  private emitTail(c: object): void {
    if (this.o.rawText) {
      const out = this.emit(c, null);
      if (out) this.queue.push(out);
    } else {
      this.emit(c, this.queue);
    }
  }

  /** Put the assembled answer on the context; true when there is one. */
  private finishAssembly(): boolean {
    if (!this.assembler) return false;
    this.ctx.response = this.assembler.result();
    return true;
  }
}

function applyWatcher(watcher: NonNullable<RequestContext['chunkWatchers']>[number], items: object | object[], ctx: RequestContext): object | object[] | null {
  if (!Array.isArray(items)) return watcher(items as never, ctx);
  const out: object[] = [];
  for (const c of items) {
    const r = watcher(c as never, ctx);
    if (r) Array.isArray(r) ? out.push(...r) : out.push(r);
  }
  return out.length ? out : null;
}

/** A ready answer replayed as chunks (a cache hit for a streaming client), with no delay. */
export class ReplaySource implements ItemSource {
  private i = 0;
  constructor(private readonly items: readonly object[]) {}

  async next(): Promise<StreamItem | undefined> {
    return this.i < this.items.length ? this.items[this.i++] : undefined;
  }

  abort(): void {
    this.i = this.items.length;
  }
}
