import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Deployment, ProviderAdapter } from './adapter.js';
import { Authenticator } from './auth.js';
import { checkConfigKeys, type ConfigHints, type KeyOwner } from './config/keys.js';
import type { LoadedConfig, ModelEntry, TollgateConfig } from './config/types.js';
import { ConfigError } from './errors.js';
import { HealthRegistry } from './health.js';
import { HttpRouteRegistry } from './http-routes.js';
import { createLogger, type Logger } from './logger.js';
import { ModelRegistry, type ModelAlias } from './models/registry.js';
import { chatOperation } from './operations/chat.js';
import { completionsOperation } from './operations/completions.js';
import { OperationRegistry } from './operations/registry.js';
import { embeddingsOperation, moderationsOperation, rerankOperation } from './operations/simple.js';
import type { OperationSpec } from './operations/types.js';
import type { Plugin, PluginSpec } from './plugin.js';
import { PluginHost } from './plugins/host.js';
import type { AttemptLimits, ExecuteResult } from './pipeline/attempt.js';
import { INTERNAL, mayUseModel, type Caller } from './pipeline/caller.js';
import { generateRequestId, RequestContext, type ModelGroup } from './pipeline/context.js';
import { Pipeline, type ExecuteOptions } from './pipeline/execute.js';
import { createHooks, type GatewayHooks } from './pipeline/hooks.js';
import { Lifecycle } from './pipeline/lifecycle.js';
import { Deadlines } from './pipeline/deadlines.js';
import type { ResponseStream } from './pipeline/response-stream.js';
import { DEFAULT_RETRY } from './routing/retry.js';
import { MemoryStatsStore } from './routing/stats.js';
import { MemorySharedState } from './state/memory-state.js';
import { TOKENS } from './tokens.js';
import { CredentialsService } from './transport/credentials.js';
import type { Transport } from './transport/types.js';
import { UndiciTransport } from './transport/undici.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelList,
  ModerationRequest,
  ModerationResponse,
} from './types/openai.js';
import type { RerankRequest, RerankResponse } from './types/rerank.js';

export const CORE_VERSION = '0.1.0';

export interface GatewayOptions {
  config?: Partial<TollgateConfig>;
  logger?: Logger;
  /** Replace the undici transport (tests, record/replay). */
  transport?: Transport;
  /** Parent DI container; the gateway works in a child of it. */
  container?: DependencyContainer;
  /** Directory that plugin package names and relative paths are resolved from (the config file's). */
  pluginDir?: string;
  /** More directories to find plugin packages in, after pluginDir and the working directory. */
  pluginSearchDirs?: string[];
  /** A stream handed out but never read is cancelled after this long (default 60 s). */
  unreadStreamMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string | string[] | undefined>;
  id?: string;
  inboundFormat?: string;
  inboundBody?: unknown;
  /** Who is calling; default: authenticated from `headers` by `execute`. */
  caller?: Caller;
  /** The gateway calling itself (semantic cache, health probe): no client auth, accounted as internal. */
  internal?: boolean;
  /** Send to this deployment (by id) only, in one attempt, skipping `route` taps: a health probe. */
  deploymentId?: string;
}

export interface Slot<T> {
  readonly name: string;
  get(ctx: RequestContext): T;
  set(ctx: RequestContext, value: T): void;
}

function configOf(c: Partial<TollgateConfig> | undefined): TollgateConfig {
  return {
    model_list: c?.model_list ?? [],
    plugins: c?.plugins ?? [],
    router: c?.router ?? {},
    settings: c?.settings ?? {},
    sections: c?.sections ?? {},
    origins: c?.origins ?? {},
    unresolved: c?.unresolved ?? {},
  };
}

function aliasesOf(raw: TollgateConfig['router']['model_group_alias']): Record<string, ModelAlias> {
  const out: Record<string, ModelAlias> = Object.create(null);
  for (const [name, v] of Object.entries(raw ?? {})) out[name] = typeof v === 'string' ? { target: v, hidden: false } : { target: v.model, hidden: v.hidden === true };
  return out;
}

/**
 * The gateway: a DI container, the hooks, the operations, the model list and the request
 * pipeline. Usable on its own (compose in code) or behind the reference server.
 */
export class Gateway {
  readonly hooks: GatewayHooks = createHooks();
  readonly container: DependencyContainer;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly credentials: CredentialsService;
  /** HTTP routes plugins add (admin APIs, /metrics); the server mounts them. */
  readonly routes = new HttpRouteRegistry();
  /** Stores and deployment states plugins report, for readiness and metrics. */
  readonly health = new HealthRegistry();
  readonly operations = new OperationRegistry();
  readonly config: TollgateConfig;
  /** The config file's directory (else the working directory): relative paths in plugin options resolve from it. */
  readonly configDir: string;

  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly providerPackages = new Map<string, string>();
  private readonly credentialViews = new Map<string, CredentialsService>();
  private readonly slotTemplate: Record<string, unknown> = {};
  private readonly slotFactories: Array<[string, () => unknown]> = [];
  private readonly extraKeyOwners: KeyOwner[] = [];
  private readonly lifecycle: Lifecycle;
  private readonly host: PluginHost<Gateway>;
  private readonly unreadStreamMs: number;
  private configHints: ConfigHints = {};
  private registry: ModelRegistry | null = null;
  private pipeline: Pipeline | null = null;
  private auth: Authenticator | null = null;
  private started = false;
  private closing: Promise<void> | null = null;

  constructor(options: GatewayOptions = {}) {
    this.config = configOf(options.config);
    this.logger = options.logger ?? createLogger({ level: (this.config.settings.log_level as string | undefined) ?? process.env.TOLLGATE_LOG_LEVEL ?? 'info' });
    this.transport = options.transport ?? new UndiciTransport();
    this.credentials = new CredentialsService(this.transport);
    this.lifecycle = new Lifecycle(this.hooks, this.logger);
    this.unreadStreamMs = options.unreadStreamMs ?? 60_000;
    const pluginDir = options.pluginDir ?? process.cwd();
    this.configDir = pluginDir;
    this.host = new PluginHost<Gateway>(this, {
      coreVersion: CORE_VERSION,
      dirs: [...new Set([pluginDir, process.cwd(), ...(options.pluginSearchDirs ?? [])])],
      applyTimeoutMs: ((this.config.settings.plugin_start_timeout as number | undefined) ?? 30) * 1000,
    });
    for (const op of [chatOperation, embeddingsOperation, completionsOperation, moderationsOperation, rerankOperation]) this.operations.add(op);
    this.container = (options.container ?? rootContainer).createChildContainer();
    this.container.register(TOKENS.Gateway, { useValue: this });
    this.container.register(TOKENS.Logger, { useValue: this.logger });
    this.container.register(TOKENS.Config, { useValue: this.config });
    this.container.register(TOKENS.Transport, { useValue: this.transport });
    this.container.register(TOKENS.Credentials, { useValue: this.credentials });
    this.container.register(TOKENS.Routes, { useValue: this.routes });
    this.container.register(TOKENS.Health, { useValue: this.health });
    this.container.register(TOKENS.Operations, { useValue: this.operations });
    this.container.register(TOKENS.StatsStore, { useValue: new MemoryStatsStore() });
    // One process by default; @tollgate/state-redis registers a Redis store under the same token.
    this.container.register(TOKENS.SharedState, { useValue: new MemorySharedState() });
  }

  /** Build a gateway from a loaded config file: registers its plugins and model list, then starts. */
  static async fromConfig(loaded: LoadedConfig, options: Omit<GatewayOptions, 'config' | 'pluginDir'> & { plugins?: Array<Plugin | [Plugin, unknown]> } = {}): Promise<Gateway> {
    const gateway = new Gateway({ ...options, config: loaded.config, pluginDir: loaded.dir });
    for (const w of loaded.warnings) gateway.logger.warn(w);
    for (const p of options.plugins ?? []) {
      if (Array.isArray(p)) await gateway.use(p[0], p[1]);
      else await gateway.use(p);
    }
    for (const spec of loaded.config.plugins) await gateway.use(spec);
    await gateway.start();
    return gateway;
  }

  // ---------------------------------------------------------------- registration (start-up only)

  /**
   * Register a plugin: checks its metadata (core range, dependencies), validates its options
   * against its schema, then calls `apply(gateway, options)` (with a deadline). A string is
   * imported by package name or path.
   */
  async use(plugin: Plugin | PluginSpec, options?: unknown): Promise<this> {
    this.assertNotStarted('use()');
    const r = await this.host.resolve(plugin, options);
    await this.host.use(r.plugin, r.options);
    return this;
  }

  /** Names of the plugins registered so far. */
  get pluginNames(): ReadonlySet<string> {
    return this.host.names;
  }

  /** Called by adapter plugins: serve these provider ids with this adapter. */
  registerAdapter(adapter: ProviderAdapter): void {
    this.assertNotStarted('registerAdapter()');
    this.container.register(TOKENS.Adapter, { useValue: adapter });
  }

  /** Add an operation (a new endpoint) to the registry; adapters serve it by name. */
  registerOperation(spec: OperationSpec): void {
    this.assertNotStarted('registerOperation()');
    this.operations.add(spec);
  }

  /** Adapters registered in the container (by registerAdapter or directly), by provider id; later registrations win. */
  private resolveAdapters(): void {
    this.adapters.clear();
    if (!this.container.isRegistered(TOKENS.Adapter, true)) return;
    for (const adapter of this.container.resolveAll(TOKENS.Adapter)) for (const id of adapter.providers) this.adapters.set(id, adapter);
  }

  hasAdapter(provider: string): boolean {
    if (!this.started) this.resolveAdapters();
    return this.adapters.has(provider);
  }

  /** Name the package that provides a provider, for the start-up error when it is missing. */
  setProviderPackage(provider: string, pkg: string): void {
    this.providerPackages.set(provider, pkg);
  }

  /** The package hint for a provider without an adapter. */
  providerPackage(provider: string): string {
    return this.providerPackages.get(provider) ?? `@tollgate/adapter-${provider}`;
  }

  /** Which package understands a config key nobody registered (the server's table of plugins). */
  setConfigHints(hints: ConfigHints): void {
    this.configHints = hints;
  }

  /** Config keys read by something that is not a plugin (the reference server's own settings). */
  declareConfigKeys(owner: KeyOwner): void {
    this.extraKeyOwners.push(owner);
  }

  /** Add a deployment to the model list (before start). */
  addModel(entry: ModelEntry): void {
    this.assertNotStarted('addModel()');
    this.config.model_list.push(entry);
  }

  /**
   * Declare per-request plugin state; every context gets the key up front (stable shape). Pass a
   * function to build a fresh object per request (an object given as is would be shared).
   */
  declareSlot<T>(name: string, initial: T | (() => T)): Slot<T> {
    this.assertNotStarted('declareSlot()');
    if (name in this.slotTemplate) throw new ConfigError(`Slot "${name}" is declared twice.`);
    if (typeof initial === 'function') {
      this.slotTemplate[name] = undefined;
      this.slotFactories.push([name, initial as () => unknown]);
    } else {
      this.slotTemplate[name] = initial;
    }
    return {
      name,
      get: (ctx) => ctx.slots[name] as T,
      set: (ctx, value) => { ctx.slots[name] = value; },
    };
  }

  /** The providers named in the model list (for loaders that install adapters on demand). */
  configuredProviders(): string[] {
    return [...new Set(this.config.model_list.map((m) => String(m.params?.model ?? '').split('/')[0]).filter((p) => p && p !== '*'))];
  }

  /**
   * Check the config against what the core and every plugin declared, resolve adapters and prepare
   * every deployment once. Every problem is reported at once, naming paths and what to install.
   */
  async start(): Promise<this> {
    if (this.started) return this;
    this.resolveAdapters();
    const owners: KeyOwner[] = [...this.host.owners, ...this.extraKeyOwners];
    const seen = new Set<ProviderAdapter>();
    for (const adapter of this.adapters.values()) {
      if (seen.has(adapter) || !adapter.paramKeys) continue;
      seen.add(adapter);
      owners.push({ name: `adapter ${adapter.providers[0]}`, keys: { params: adapter.paramKeys }, providers: adapter.providers });
    }
    const checked = checkConfigKeys(this.config, owners, this.configHints);
    for (const w of checked.warnings) this.logger.warn(w);
    const problems = [...checked.errors];
    const registry = new ModelRegistry({
      adapters: this.adapters,
      logger: this.logger,
      dropParams: this.config.settings.drop_params === true,
      aliases: aliasesOf(this.config.router.model_group_alias),
      providerPackage: (p) => this.providerPackage(p),
    });
    // An entry whose params reference a missing variable was reported above: preparing it would only repeat that.
    const broken = new Set<number>();
    for (const path of Object.keys(this.config.unresolved)) {
      const m = /^model_list\[(\d+)\]\.params\./.exec(path);
      if (m) broken.add(Number(m[1]));
    }
    try {
      registry.build(this.config.model_list, broken);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (problems.length) throw new ConfigError(problems.length === 1 ? `Invalid config: ${problems[0]}` : `Invalid config:\n  - ${problems.join('\n  - ')}`);
    for (const d of registry.all()) if (d.prepared.authorize) this.credentialViews.set(d.id, this.credentials.scoped());
    this.registry = registry;
    this.auth = new Authenticator(this.config.settings.master_key, this.hooks);
    this.pipeline = new Pipeline({
      hooks: this.hooks,
      lifecycle: this.lifecycle,
      stats: this.container.resolve(TOKENS.StatsStore),
      transport: this.transport,
      credentials: this.credentials,
      credentialViews: this.credentialViews,
      limits: (d) => this.limits(d),
      deadlines: new Deadlines(),
      requestTapsMark: allMark(this.hooks.preRoute.taps) && allMark(this.hooks.transformRequest.taps),
      responseTapsMark: allMark(this.hooks.transformResponse.taps),
      unreadStreamMs: this.unreadStreamMs,
      registry,
      adapters: this.adapters,
      retry: {
        ...DEFAULT_RETRY,
        numRetries: this.config.router.num_retries ?? DEFAULT_RETRY.numRetries,
        maxRetryWaitMs: this.config.router.max_retry_wait !== undefined ? this.config.router.max_retry_wait * 1000 : DEFAULT_RETRY.maxRetryWaitMs,
      },
      logger: this.logger,
    });
    this.started = true;
    await this.hooks.ready.promise();
    return this;
  }

  /** Limits per deployment, computed once (deployments are immutable after start). */
  private readonly limitsOf = new WeakMap<Deployment, AttemptLimits>();

  private limits(d: Deployment): AttemptLimits {
    let l = this.limitsOf.get(d);
    if (!l) this.limitsOf.set(d, (l = this.computeLimits(d)));
    return l;
  }

  private computeLimits(d: Deployment): AttemptLimits {
    const r = this.config.router;
    const timeoutS = d.params.timeout ?? r.timeout ?? (this.config.settings.request_timeout as number | undefined) ?? 600;
    return {
      timeoutMs: timeoutS * 1000,
      streamTimeoutMs: (d.params.stream_timeout ?? r.stream_timeout ?? timeoutS) * 1000,
      idleTimeoutMs: ((d.params.stream_idle_timeout as number | undefined) ?? r.stream_idle_timeout ?? timeoutS) * 1000,
    };
  }

  private assertNotStarted(what: string): void {
    if (this.started) throw new ConfigError(`${what} must be called before start().`);
  }

  private get ready(): { registry: ModelRegistry; pipeline: Pipeline; auth: Authenticator } {
    if (!this.registry || !this.pipeline || !this.auth) throw new ConfigError('Call gateway.start() before sending requests.');
    return { registry: this.registry, pipeline: this.pipeline, auth: this.auth };
  }

  // ---------------------------------------------------------------- public API

  /** Is authentication on (a master key, or a keys plugin)? */
  get authEnabled(): boolean {
    return this.ready.auth.enabled;
  }

  /**
   * Authenticate a request from its headers alone (the server calls this before reading a body):
   * the master key, or a key a plugin's `authenticate` tap knows. Throws a 401 otherwise.
   */
  authenticate(headers: Record<string, string | string[] | undefined>, path?: string): Promise<Caller> {
    return this.ready.auth.authenticate(headers, path);
  }

  /** The model groups a caller may use, in OpenAI's list shape. */
  models(caller?: Caller): ModelList {
    const { registry } = this.ready;
    const created = Math.floor(Date.now() / 1000);
    const names = registry.names().filter((n) => !caller || mayUseModel(caller, n));
    return { object: 'list', data: names.map((id) => ({ id, object: 'model', created, owned_by: registry.ownerOf(id) })) };
  }

  /**
   * Models added while running (a keys plugin's `store_model_in_db`): replaces the previous runtime
   * set. Each entry is prepared by its adapter now; one that fails throws a ConfigError naming it
   * and the model list stays as it was. Config models are untouched; requests in flight keep their plan.
   */
  setRuntimeModels(entries: readonly ModelEntry[]): void {
    const { registry } = this.ready;
    registry.setRuntime(entries);
    for (const d of registry.all()) if (d.prepared.authorize && !this.credentialViews.has(d.id)) this.credentialViews.set(d.id, this.credentials.scoped());
  }

  /** The group that serves a name (exact, alias or wildcard). */
  group(name: string): ModelGroup | undefined {
    return this.ready.registry.resolve(name);
  }

  /**
   * Another group's attempt plan for a request in flight, for an `attemptFailed` tap's `fallback`
   * decision: the same lookup (aliases, wildcards), the caller's model access (a 403 otherwise)
   * and `route` waterfall as the requested group gets. May be empty; throws what a route tap throws.
   */
  planFor(name: string, ctx: RequestContext): Promise<Deployment[]> {
    return this.ready.pipeline.planFor(ctx, name);
  }

  allDeployments(): readonly Deployment[] {
    return this.ready.registry.all();
  }

  createContext(operation: string, request: unknown, options: RequestOptions = {}): RequestContext {
    this.ready;
    const spec = this.operations.get(operation);
    if (!spec) throw new ConfigError(`Unknown operation "${operation}".`);
    const slots = { ...this.slotTemplate };
    for (let i = 0; i < this.slotFactories.length; i++) slots[this.slotFactories[i][0]] = this.slotFactories[i][1]();
    return new RequestContext({
      id: options.id ?? generateRequestId(),
      operation,
      spec,
      request,
      headers: options.headers,
      inboundFormat: options.inboundFormat,
      inboundBody: options.inboundBody,
      signal: options.signal,
      caller: options.internal ? INTERNAL : options.caller,
      internal: options.internal,
      deploymentId: options.deploymentId,
      slots,
    });
  }

  /**
   * Run one request through the pipeline (`createContext` first). For streams, resolves once the
   * first content has arrived, with a ResponseStream the caller reads (or cancels).
   */
  async execute(ctx: RequestContext, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.ready.pipeline.execute(ctx, options);
  }

  /** The one entry for any registered operation: context, authentication (from headers unless a caller is given), pipeline. */
  async run(operation: string, request: unknown, options: RequestOptions = {}): Promise<ExecuteResult> {
    const caller = options.caller ?? (options.internal ? INTERNAL : await this.authenticateInCode(options.headers));
    const ctx = this.createContext(operation, request, { ...options, caller });
    return this.execute(ctx);
  }

  /** In code, a gateway with auth on still wants a key (in `headers`); without auth, callers are anonymous. */
  private async authenticateInCode(headers: RequestOptions['headers']): Promise<Caller> {
    return this.ready.auth.authenticate(headers ?? {});
  }

  /** Chat completion. Resolves to the response, or to an async iterable of chunks when `stream: true`. */
  chat(request: ChatCompletionRequest & { stream: true }, options?: RequestOptions): Promise<ResponseStream<ChatCompletionChunk>>;
  chat(request: ChatCompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatCompletion>;
  chat(request: ChatCompletionRequest, options?: RequestOptions): Promise<ChatCompletion | ResponseStream<ChatCompletionChunk>>;
  async chat(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletion | ResponseStream<ChatCompletionChunk>> {
    const result = await this.run('chat', request, options);
    return result.kind === 'response' ? (result.response as ChatCompletion) : (result.stream as ResponseStream<ChatCompletionChunk>);
  }

  /** Legacy completion; a stream when `stream: true`. */
  async completions(request: CompletionRequest, options: RequestOptions = {}): Promise<Completion | ResponseStream<Completion>> {
    const result = await this.run('completions', request, options);
    return result.kind === 'response' ? (result.response as Completion) : (result.stream as ResponseStream<Completion>);
  }

  async embeddings(request: EmbeddingRequest, options: RequestOptions = {}): Promise<EmbeddingResponse> {
    return (await this.run('embeddings', request, options) as { response: EmbeddingResponse }).response;
  }

  async moderations(request: ModerationRequest, options: RequestOptions = {}): Promise<ModerationResponse> {
    return (await this.run('moderations', request, options) as { response: ModerationResponse }).response;
  }

  async rerank(request: RerankRequest, options: RequestOptions = {}): Promise<RerankResponse> {
    return (await this.run('rerank', request, options) as { response: RerankResponse }).response;
  }

  /** Requests currently in the pipeline (streams count until their last byte). */
  get activeRequests(): number {
    return this.lifecycle.inFlight;
  }

  /** Counters any metrics plugin can read. */
  get counters(): Lifecycle['counters'] {
    return this.lifecycle.counters;
  }

  /**
   * Stop: wait for in-flight requests up to `drainMs` (settings.drain_timeout, default 30 s), then
   * abort the rest and account for them, then the `shutdown` hook (plugins flush), then close the
   * shared state and the upstream pools (cutting what is left).
   */
  close(drainMs?: number): Promise<void> {
    this.closing ??= this.shutdown(drainMs ?? ((this.config.settings.drain_timeout as number | undefined) ?? 30) * 1000);
    return this.closing;
  }

  private async shutdown(drainMs: number): Promise<void> {
    const cut = await this.lifecycle.drain(drainMs);
    if (cut > 0) this.logger.warn({ requests: cut }, 'drain deadline reached: requests still running were aborted');
    try {
      await this.hooks.shutdown.promise();
    } catch (err) {
      this.logger.error({ err }, 'shutdown hook failed');
    }
    await this.container.resolve(TOKENS.SharedState).close?.();
    await this.transport.close?.(0);
  }
}

/** Do all these taps say they mark their changes (see CoreTapOptions)? */
function allMark(taps: readonly unknown[]): boolean {
  return taps.every((t) => (t as { marksChanges?: boolean }).marksChanges === true);
}
