import type { GatewayError } from './errors.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from './types/openai.js';
import type { FramedEvent, FramingDecoder, Transport, UpstreamRequest } from './transport/types.js';
import type { RequestContext } from './pipeline/context.js';
import type { CredentialsService } from './transport/credentials.js';
import type { Logger } from './logger.js';

/** Deployment params as written in config (`params` / `litellm_params`). Unknown keys are kept. */
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
  /** Seconds for the whole request. */
  timeout?: number;
  stream_timeout?: number;
  max_retries?: number;
  drop_params?: boolean;
  /** Extra static headers sent upstream. */
  headers?: Record<string, string>;
  [extra: string]: unknown;
}

/** What an adapter prepares once per deployment at start-up. */
export interface PreparedDeployment {
  /** Base URL with no trailing slash (e.g. "https://api.openai.com/v1"). */
  baseUrl: string;
  /** Static headers sent with every request (auth included, unless `authorize` computes it). */
  headers: Record<string, string>;
  /**
   * The wire format the upstream speaks: 'openai', or a native name ('anthropic', 'gemini', ...).
   * When the client spoke the same format (ctx.inboundFormat) and nothing transforms the
   * request, the core passes bytes through untouched.
   */
  wireFormat: 'openai' | (string & {});
  /** How the upstream frames a streamed body. */
  framing: 'sse' | 'ndjson' | FramingDecoder;
  /** A transport of the adapter's own (the mock provider). Default: the core's undici transport. */
  transport?: Transport;
  /**
   * Credentials that come from the network or are computed per request (OAuth tokens, request
   * signing). Called by the core just before each send; use `credentials` to cache tokens.
   */
  authorize?: (request: UpstreamRequest, credentials: CredentialsService) => Promise<void> | void;
  /** Secrets this deployment uses (keys read from the environment, say): scrubbed from upstream error text. */
  secrets?: readonly string[];
  /** Adapter-private state computed at start-up (a compiled param table, a URL template, ...). */
  state?: unknown;
}

export interface DeploymentStats {
  inFlight: number;
  requests: number;
  failures: number;
  /** Exponentially weighted average latency of successful attempts, ms. */
  latencyMs: number;
  /** Exponentially weighted time to first upstream byte of streams, ms. */
  ttftMs: number;
  /** Start of the current minute window and what was used in it (for rpm/tpm routing). */
  minuteStart: number;
  minuteRequests: number;
  minuteTokens: number;
  lastError: GatewayError | null;
  lastErrorAt: number;
}

export interface Deployment {
  /** Unique id: `model_info.id` or "<model_name>#<index>". */
  readonly id: string;
  /** The model group name clients ask for. */
  readonly modelName: string;
  readonly provider: string;
  /** The model id as the provider knows it (after "provider/"). */
  readonly providerModel: string;
  readonly params: DeploymentParams;
  readonly modelInfo: Readonly<Record<string, unknown>>;
  /** Filled at start-up by the adapter. */
  prepared: PreparedDeployment;
  readonly stats: DeploymentStats;
}

export interface PrepareEnv {
  logger: Logger;
  /** Global `drop_params` setting (a deployment's own `drop_params` wins). */
  dropParams: boolean;
}

export interface StreamParser {
  /**
   * Turn one framed upstream event into zero or more canonical chunks. Synchronous and stateful:
   * one parser per stream. Throw a GatewayError for an in-band upstream error.
   */
  event(event: FramedEvent): ChatCompletionChunk | ChatCompletionChunk[] | null | undefined;
  /** Called once when the upstream body ends; may flush a final chunk. */
  end?(): ChatCompletionChunk | ChatCompletionChunk[] | null | undefined;
}

export interface ChatTranslator {
  buildRequest(request: ChatCompletionRequest, deployment: Deployment, ctx: RequestContext): UpstreamRequest;
  parseResponse(body: unknown, deployment: Deployment, ctx: RequestContext): ChatCompletion;
  createStreamParser(deployment: Deployment, ctx: RequestContext): StreamParser;
}

export interface EmbeddingsTranslator {
  buildRequest(request: EmbeddingRequest, deployment: Deployment, ctx: RequestContext): UpstreamRequest;
  parseResponse(body: unknown, deployment: Deployment, ctx: RequestContext): EmbeddingResponse;
}

export interface UpstreamErrorInfo {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body text (possibly HTML, possibly empty). Never echo it raw. */
  body: string;
}

/**
 * A provider adapter: a pure translator between the canonical format and a provider's wire
 * format. It does no network I/O; the core owns transport, timeouts, retries and credentials.
 */
export interface ProviderAdapter {
  /** Provider ids this adapter serves ("openai", "azure", "groq", ...). */
  readonly providers: readonly string[];
  /** Called once per deployment at start-up; throw ConfigError for bad params. */
  prepare(deployment: Omit<Deployment, 'prepared'>, env: PrepareEnv): PreparedDeployment;
  readonly chat?: ChatTranslator;
  readonly embeddings?: EmbeddingsTranslator;
  /** Map an upstream error answer to a canonical error (class, retryable, retry-after, no key). */
  mapError(error: UpstreamErrorInfo, deployment: Deployment): GatewayError;
}
