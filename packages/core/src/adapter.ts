import type { GatewayError } from './errors.js';
import type { Logger } from './logger.js';
import type { RequestContext } from './pipeline/context.js';
import type { CredentialsService } from './transport/credentials.js';
import type { FrameDecoder, FramedEvent, Transport, UpstreamRequest } from './transport/types.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModerationRequest,
  ModerationResponse,
} from './types/openai.js';
import type { RerankRequest, RerankResponse } from './types/rerank.js';

/** Deployment params as written in config (`params` / `litellm_params`). */
export interface DeploymentParams {
  /** "provider/model", e.g. "openai/gpt-4o", "azure/my-deployment". */
  model: string;
  api_base?: string;
  api_key?: string;
  api_version?: string;
  organization?: string;
  /** Requests per minute and tokens per minute this deployment may take (read by routing). */
  rpm?: number;
  tpm?: number;
  weight?: number;
  order?: number;
  /** Seconds for a whole non-streamed attempt. */
  timeout?: number;
  /** Seconds until a stream's first content event. */
  stream_timeout?: number;
  max_retries?: number;
  drop_params?: boolean;
  /** Extra static headers sent upstream. */
  headers?: Record<string, string>;
  [extra: string]: unknown;
}

/** How an upstream frames a streamed body: a built-in framing, or a factory of synchronous decoders. */
export type Framing = 'sse' | 'ndjson' | (() => FrameDecoder);

/** What an adapter prepares once per deployment at start-up. */
export interface PreparedDeployment<State = unknown> {
  /** Base URL with no trailing slash (e.g. "https://api.openai.com/v1"). */
  baseUrl: string;
  /** Static headers sent with every request (auth included, unless `authorize` computes it). */
  headers: Record<string, string>;
  /**
   * The wire format the upstream speaks: 'openai', or a native name ('anthropic', 'gemini', ...).
   * When the client spoke the same format and nothing changed the request, the core lets the
   * adapter send the client's own body, and writes the upstream's answer back as received.
   */
  wireFormat: 'openai' | (string & {});
  /** How the upstream frames a streamed body. */
  framing: Framing;
  /** A transport of the adapter's own (the mock provider). Default: the core's undici transport. */
  transport?: Transport;
  /**
   * Credentials that come from the network or are computed per request (OAuth tokens, SigV4
   * signing). Called by the core just before each send, with the final URL, headers and body;
   * use `credentials` to cache what was fetched. When an attempt fails with kind `auth`, the
   * core drops what this deployment fetched and tries once more.
   */
  authorize?: (request: UpstreamRequest, credentials: CredentialsService) => Promise<void> | void;
  /**
   * Every credential this deployment sends, however it got it (config, environment): scrubbed
   * from every error message that leaves the gateway (responses, stream events, logs).
   */
  secrets?: readonly string[];
  /** Adapter-private state computed at start-up (a compiled param table, a URL template, ...). */
  state: State;
}

/** Live per-deployment figures, kept by the core's StatsStore and read by routing. */
export interface DeploymentStats {
  inFlight: number;
  requests: number;
  failures: number;
  /** Exponentially weighted average latency of successful non-streamed attempts, ms. */
  latencyMs: number;
  /** Exponentially weighted latency per output token of successful attempts, ms. */
  latencyPerTokenMs: number;
  /** Exponentially weighted time to first content token of streams, ms. */
  ttftMs: number;
  /** Start of the current minute window and what was used in it (for rpm/tpm routing). */
  minuteStart: number;
  minuteRequests: number;
  minuteTokens: number;
  lastError: GatewayError | null;
  lastErrorAt: number;
}

export interface Deployment<State = unknown> {
  /** Unique id: `model_info.id` or "<model_name>#<index>" (wildcards: "<entry id>:<model>"). */
  readonly id: string;
  /** The model group name clients ask for. */
  readonly modelName: string;
  readonly provider: string;
  /** The model id as the provider knows it (after "provider/"). */
  readonly providerModel: string;
  readonly params: DeploymentParams;
  readonly modelInfo: Readonly<Record<string, unknown>>;
  /** Routing tags (`params.tags` or `model_info.tags`). */
  readonly tags: readonly string[];
  /** Filled at start-up by the adapter. */
  readonly prepared: PreparedDeployment<State>;
  readonly stats: DeploymentStats;
}

export interface PrepareEnv {
  logger: Logger;
  /** Global `drop_params` setting (a deployment's own `drop_params` wins). */
  dropParams: boolean;
}

export interface StreamParser<Chunk = ChatCompletionChunk> {
  /**
   * Turn one framed upstream event into zero or more canonical chunks. Synchronous and stateful:
   * one parser per stream. Throw a GatewayError (with its kind) for an in-band upstream error.
   */
  event(event: FramedEvent): Chunk | Chunk[] | null | undefined;
  /** Called once when the upstream body ends; may flush a final chunk. */
  end?(): Chunk | Chunk[] | null | undefined;
}

/**
 * One operation as an adapter serves it: build the upstream request from the canonical one, parse
 * the complete answer, and (for operations that stream) parse stream events. Pure: no I/O.
 */
export interface Translator<Req = any, Res = any, Chunk = any, State = unknown> {
  /** The upstream's format for this operation, when it differs from the deployment's. */
  wireFormat?: string;
  /** The upstream's stream framing for this operation, when it differs from the deployment's. */
  framing?: Framing;
  buildRequest(request: Req, deployment: Deployment<State>, ctx: RequestContext): UpstreamRequest;
  parseResponse(body: unknown, deployment: Deployment<State>, ctx: RequestContext): Res;
  createStreamParser?(deployment: Deployment<State>, ctx: RequestContext): StreamParser<Chunk>;
}

/** The built-in operations' translators, typed; plugins may register more operations by name. */
export interface BuiltInTranslators<State> {
  chat?: Translator<ChatCompletionRequest, ChatCompletion, ChatCompletionChunk, State>;
  embeddings?: Translator<EmbeddingRequest, EmbeddingResponse, never, State>;
  completions?: Translator<CompletionRequest, Completion, Completion, State>;
  moderations?: Translator<ModerationRequest, ModerationResponse, never, State>;
  rerank?: Translator<RerankRequest, RerankResponse, never, State>;
}

export type Translators<State> = BuiltInTranslators<State> & { readonly [operation: string]: Translator<any, any, any, State> | undefined };

export interface UpstreamErrorInfo {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body text (possibly HTML, possibly empty), already scrubbed of the deployment's secrets. Never echo it raw. */
  body: string;
}

/**
 * A provider adapter: a pure translator between the canonical format and a provider's wire
 * format. It does no network I/O; the core owns transport, timeouts, retries and credentials.
 */
export interface ProviderAdapter<State = any> {
  /** Provider ids this adapter serves ("openai", "azure", "groq", ...). */
  readonly providers: readonly string[];
  /** Called once per deployment at start-up; throw ConfigError for bad params. */
  prepare(deployment: Omit<Deployment<State>, 'prepared'>, env: PrepareEnv): PreparedDeployment<State>;
  /** The operations this adapter serves, by name. */
  readonly operations: Translators<State>;
  /**
   * Map an upstream error answer to a canonical error with its `kind` (rate_limit,
   * context_window_exceeded, ...), retry-after, and no secret in the message.
   */
  mapError(error: UpstreamErrorInfo, deployment: Deployment<State>): GatewayError;
  /**
   * Deployment param keys this adapter reads (beyond the core's), with a JSON schema each, so a
   * typo in a native config is an error and LiteLLM's own keys are recognised.
   */
  readonly paramKeys?: Readonly<Record<string, Record<string, unknown>>>;
}
