import type { RequestContext } from '../pipeline/context.js';
import type { Usage } from '../types/openai.js';

/**
 * An operation of the gateway (chat, embeddings, completions, moderations, rerank, ...), in the
 * spirit of the AI SDK's one interface per model kind. It declares its canonical request and
 * response types, how its body arrives, and, when it streams, how its stream items are read.
 * The core runs every operation through one pipeline; the server mounts each one's paths;
 * an adapter serves an operation by declaring a translator for it. A new endpoint is a new
 * operation and translators, never a new branch in the core.
 */
export interface OperationSpec<Req = any, Res = any, Chunk = any> {
  readonly name: string;
  /** Paths the reference server mounts for POST (each also under `/v1`), e.g. ['/chat/completions']. */
  readonly paths: readonly string[];
  /** How the body arrives: JSON, raw bytes, or multipart (files, audio). */
  readonly body: 'json' | 'bytes' | 'multipart';
  /** Check a client's body and type it; throw a BadRequestError naming the param. */
  validate(body: unknown): Req;
  /** The model group a request asks for. */
  model(request: Req): string;
  /** The usage a complete answer reports (null when it has none). */
  usage(response: Res): Usage | null;
  /** The finish reason of a complete answer, when the operation has one. */
  finishReason?(response: Res): string | null;
  /** Present when the operation can stream. */
  readonly stream?: StreamSpec<Res, Chunk>;
  /** Does this request ask for a stream? (Only asked when `stream` is present.) */
  streams(request: Req): boolean;
}

/** How the core reads and writes one operation's stream items. */
export interface StreamSpec<Res, Chunk> {
  /**
   * Record what accounting needs from a chunk (usage, finish reason) on the context, and say
   * whether it carries content (the first content event commits the stream to the client).
   */
  observe(chunk: Chunk, ctx: RequestContext): boolean;
  /** The chunk without the usage the core asked upstream for; null to drop it entirely. */
  withoutUsage(chunk: Chunk): Chunk | null;
  /** Does the chunk carry usage? */
  hasUsage(chunk: Chunk): boolean;
  /** Builds the complete answer from chunks, once, at the end. */
  assembler(): { add(chunk: Chunk): void; result(): Res };
  /** A complete answer (a cache hit) as chunks, with the usage chunk only when asked. */
  replay(response: Res, includeUsage: boolean): Chunk[];
  /** The chunk that ends a stream early and cleanly (`ctx.endStream(reason)`). */
  endChunk(finishReason: string, ctx: RequestContext): Chunk;
  /**
   * Fast path over raw OpenAI-format event text: must this event be parsed (it may carry usage,
   * a finish reason or an error)? Events that need not are forwarded byte for byte.
   */
  needsParse(data: string): boolean;
}

/** The canonical types of one operation, for typed helpers (`gateway.run<'chat'>`). */
export type RequestOf<S> = S extends OperationSpec<infer Req, any, any> ? Req : never;
export type ResponseOf<S> = S extends OperationSpec<any, infer Res, any> ? Res : never;
