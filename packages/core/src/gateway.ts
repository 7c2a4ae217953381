import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Deployment, DeploymentStats, ProviderAdapter } from './adapter.js';
import type { LoadedConfig, ModelEntry, TollgateConfig } from './config/types.js';
import {
  AbortedError,
  BadRequestError,
  ConfigError,
  GatewayError,
  ModelNotFoundError,
  toGatewayError,
} from './errors.js';
import { createLogger, scrubSecrets, type Logger } from './logger.js';
import { satisfiesRange, type Plugin, type PluginSpec } from './plugin.js';
import { importPlugin, pluginSpecName } from './plugin-loader.js';
import { completionToChunks } from './pipeline/assemble.js';
import {
  generateRequestId,
  RequestContext,
  type Cancellation,
  type CanonicalRequest,
  type CanonicalResponse,
  type ModelGroup,
  type Operation,
} from './pipeline/context.js';
import { createHooks, type GatewayHooks } from './pipeline/hooks.js';
import { parseUpstreamJson, runStream, type StreamItem } from './pipeline/stream.js';
import { RouteRegistry } from './routes.js';
import { TOKENS } from './tokens.js';
import { MemorySharedState } from './state/memory-state.js';
import { CredentialsService } from './transport/credentials.js';
import type { SendOptions, Transport, UpstreamRequest, UpstreamResponse } from './transport/types.js';
import { UndiciTransport } from './transport/undici.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelList,
} from './types/openai.js';
import { compileSchema, describeErrors } from './validation.js';

export const CORE_VERSION = '0.1.0';

export interface GatewayOptions {
  config?: Partial<TollgateConfig>;
  logger?: Logger;
  /** Replace the undici transport (tests, record/replay). */
  transport?: Transport;
  /** Parent DI container; the gateway works in a child of it. */
  container?: DependencyContainer;
  /** Directory that plugin package names are resolved from (the config file's). */
  pluginDir?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string | string[] | undefined>;
  id?: string;
  inboundFormat?: string;
  inboundBody?: unknown;
}

/** The answer to a chat request: a complete response, or a stream that has already started. */
export type ExecuteResult =
  | { kind: 'response'; response: CanonicalResponse }
  | { kind: 'stream'; stream: AsyncGenerator<StreamItem, void, undefined> };

export interface Slot<T> {
  readonly name: string;
  get(ctx: RequestContext): T;
  set(ctx: RequestContext, value: T): void;
}

const EWMA = 0.2;

function newStats(): DeploymentStats {
  return { inFlight: 0, requests: 0, failures: 0, latencyMs: 0, ttftMs: 0, minuteStart: 0, minuteRequests: 0, minuteTokens: 0, lastError: null, lastErrorAt: 0 };
}

/**
 * The gateway: a DI container, the hooks, the model list and the request pipeline.
 * Usable on its own (compose in code) or behind the reference server.
 */
export class Gateway {
  readonly hooks: GatewayHooks = createHooks();
  readonly container: DependencyContainer;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly credentials: CredentialsService;
  readonly routes = new RouteRegistry();
  readonly config: TollgateConfig;

  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly providerPackages = new Map<string, string>();
  private readonly groups = new Map<string, ModelGroup>();
  private readonly deployments: Deployment[] = [];
  /** Per-deployment credential views, for deployments whose credentials come from the network. */
  private readonly credentialViews = new Map<string, CredentialsService>();
  private readonly pluginNames = new Set<string>();
  private readonly slotTemplate: Record<string, unknown> = {};
  private readonly slotFactories: Array<[string, () => unknown]> = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly pluginDir: string;
  private started = false;
  private closing = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  /** Counters any metrics plugin can read. */
  readonly counters = { requests: 0, accountFailures: 0, errorHookFailures: 0 };

  constructor(options: GatewayOptions = {}) {
    this.config = {
      model_list: options.config?.model_list ?? [],
      plugins: options.config?.plugins ?? [],
      router: options.config?.router ?? {},
      settings: options.config?.settings ?? {},
    };
    this.logger = options.logger ?? createLogger({ level: (this.config.settings.log_level as string | undefined) ?? process.env.TOLLGATE_LOG_LEVEL ?? 'info' });
    this.transport = options.transport ?? new UndiciTransport();
    this.credentials = new CredentialsService(this.transport);
    this.pluginDir = options.pluginDir ?? process.cwd();
    this.container = (options.container ?? rootContainer).createChildContainer();
    this.container.register(TOKENS.Gateway, { useValue: this });
    this.container.register(TOKENS.Logger, { useValue: this.logger });
    this.container.register(TOKENS.Config, { useValue: this.config });
    this.container.register(TOKENS.Transport, { useValue: this.transport });
    this.container.register(TOKENS.Credentials, { useValue: this.credentials });
    this.container.register(TOKENS.Routes, { useValue: this.routes });
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
   * against its schema, then calls `apply(gateway, options)`. A string is imported by package
   * name or path from the plugin directory.
   */
  async use(plugin: Plugin | PluginSpec, options?: unknown): Promise<this> {
    this.assertNotStarted('use()');
    let p: Plugin;
    let opts = options;
    if (typeof plugin === 'object' && !Array.isArray(plugin) && typeof (plugin as Plugin).apply === 'function') {
      p = plugin as Plugin;
    } else {
      const spec = pluginSpecName(plugin as PluginSpec);
      p = await importPlugin(spec.name, this.pluginDir);
      opts = spec.options ?? options;
    }
    if (this.pluginNames.has(p.name)) throw new ConfigError(`Plugin "${p.name}" is registered twice.`);
    if (p.meta?.core && !satisfiesRange(CORE_VERSION, p.meta.core)) {
      throw new ConfigError(`Plugin "${p.name}" supports @tollgate/core ${p.meta.core}, but this is ${CORE_VERSION}.`);
    }
    for (const dep of p.meta?.dependencies ?? []) {
      if (!this.pluginNames.has(dep)) throw new ConfigError(`Plugin "${p.name}" needs plugin "${dep}" registered before it.`);
    }
    // ajv fills schema defaults in place: work on a copy of the caller's options.
    opts = opts === undefined ? {} : structuredClone(opts);
    if (p.schema) {
      const validate = compileSchema(p.schema);
      if (!validate(opts)) {
        throw new ConfigError(`Invalid options for plugin "${p.name}": ${describeErrors(validate.errors, 'options').join('; ')}`);
      }
    }
    this.pluginNames.add(p.name);
    await p.apply(this, opts);
    return this;
  }

  /** Called by adapter plugins: serve these provider ids with this adapter. */
  registerAdapter(adapter: ProviderAdapter): void {
    this.assertNotStarted('registerAdapter()');
    this.container.register(TOKENS.Adapter, { useValue: adapter });
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
    return [...new Set(this.config.model_list.map((m) => String(m.params?.model ?? '').split('/')[0]).filter(Boolean))];
  }

  /** Resolve adapters and prepare every deployment once. Fails naming what is missing. */
  async start(): Promise<this> {
    if (this.started) return this;
    this.resolveAdapters();
    const dropParams = this.config.settings.drop_params === true;
    const missing: string[] = [];
    this.config.model_list.forEach((entry, i) => {
      const model = entry.params.model;
      const slash = model.indexOf('/');
      const provider = model.slice(0, slash);
      const adapter = this.adapters.get(provider);
      if (!adapter) {
        missing.push(`model_list[${i}] ("${entry.model_name}", ${model}): no adapter for provider "${provider}". Install ${this.providerPackage(provider)} and add it to plugins.`);
        return;
      }
      const base = {
        id: (entry.model_info?.id as string | undefined) ?? `${entry.model_name}#${i}`,
        modelName: entry.model_name,
        provider,
        providerModel: model.slice(slash + 1),
        params: entry.params,
        modelInfo: entry.model_info ?? {},
        stats: newStats(),
      };
      let prepared;
      try {
        prepared = adapter.prepare(base, { logger: this.logger, dropParams: entry.params.drop_params ?? dropParams });
      } catch (err) {
        throw new ConfigError(`model_list[${i}] ("${entry.model_name}"): ${(err as Error).message}`);
      }
      const deployment: Deployment = { ...base, prepared };
      this.deployments.push(deployment);
      if (prepared.authorize) this.credentialViews.set(deployment.id, this.credentials.scoped());
      const group = this.groups.get(entry.model_name);
      if (group) (group.deployments as Deployment[]).push(deployment);
      else this.groups.set(entry.model_name, { name: entry.model_name, deployments: [deployment] });
    });
    if (missing.length) throw new ConfigError(missing.join('\n'));
    for (const g of this.groups.values()) {
      (g.deployments as Deployment[]).sort((a, b) => (a.params.order ?? Infinity) - (b.params.order ?? Infinity));
    }
    this.started = true;
    await this.hooks.ready.promise();
    return this;
  }

  private assertNotStarted(what: string): void {
    if (this.started) throw new ConfigError(`${what} must be called before start().`);
  }

  // ---------------------------------------------------------------- public API

  /** The model groups, in OpenAI's list shape. */
  models(): ModelList {
    const created = Math.floor(Date.now() / 1000);
    return {
      object: 'list',
      data: [...this.groups.values()].map((g) => ({ id: g.name, object: 'model', created, owned_by: g.deployments[0]?.provider ?? 'tollgate' })),
    };
  }

  group(name: string): ModelGroup | undefined {
    return this.groups.get(name);
  }

  allDeployments(): readonly Deployment[] {
    return this.deployments;
  }

  /** Chat completion. Resolves to the response, or to an async iterable of chunks when `stream: true`. */
  chat(request: ChatCompletionRequest & { stream: true }, options?: RequestOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  chat(request: ChatCompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatCompletion>;
  chat(request: ChatCompletionRequest, options?: RequestOptions): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
  async chat(request: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    const ctx = this.createContext('chat', request, options);
    const result = await this.execute(ctx);
    if (result.kind === 'response') return result.response as ChatCompletion;
    return result.stream as AsyncIterable<ChatCompletionChunk>;
  }

  async embeddings(request: EmbeddingRequest, options: RequestOptions = {}): Promise<EmbeddingResponse> {
    const ctx = this.createContext('embeddings', request, options);
    const result = await this.execute(ctx);
    return (result as { response: EmbeddingResponse }).response;
  }

  createContext(operation: Operation, request: CanonicalRequest, options: RequestOptions = {}): RequestContext {
    if (!this.started) throw new ConfigError('Call gateway.start() before sending requests.');
    const slots = { ...this.slotTemplate };
    for (let i = 0; i < this.slotFactories.length; i++) slots[this.slotFactories[i][0]] = this.slotFactories[i][1]();
    return new RequestContext({
      id: options.id ?? generateRequestId(),
      operation,
      request,
      headers: options.headers,
      inboundFormat: options.inboundFormat,
      inboundBody: options.inboundBody,
      signal: options.signal,
      slots,
    });
  }

  // ---------------------------------------------------------------- the pipeline

  /**
   * Run one request through the pipeline. For streams, resolves once the upstream has answered
   * (so failures before the first byte can fall back) with a generator the caller drains.
   * `account` runs exactly once per request, after the answer is handed over.
   */
  async execute(ctx: RequestContext, opts: { passThrough?: boolean } = {}): Promise<ExecuteResult> {
    // passThrough: a server may take same-format upstream events as ready SSE text (strings);
    // in-code callers get chunk objects only.
    this.counters.requests++;
    this.inFlight++;
    let handedStream = false;
    try {
      const h = this.hooks;
      if (h.preRoute.isUsed()) {
        const decision = await h.preRoute.promise(ctx.request, ctx);
        if (decision && 'reject' in decision) {
          ctx.outcome = 'rejected';
          throw decision.reject;
        }
        if (decision && 'respond' in decision) {
          ctx.outcome = 'cache_hit';
          const response = h.transformResponse.isUsed() ? await h.transformResponse.promise(decision.respond, ctx) : decision.respond;
          ctx.response = response;
          ctx.usage = (response as ChatCompletion).usage ?? null;
          if (ctx.stream) {
            handedStream = true;
            return { kind: 'stream', stream: this.replay(ctx, response as ChatCompletion) };
          }
          return { kind: 'response', response };
        }
      }
      const group = this.groups.get(ctx.request.model);
      if (!group) throw new ModelNotFoundError(ctx.request.model);
      ctx.modelGroup = group;
      const plan = (h.route.isUsed() ? await h.route.promise(group, ctx) : undefined) || (group.deployments as Deployment[]);
      ctx.timings.routed = ctx.elapsed();
      const result = await this.attemptAll(ctx, plan, opts.passThrough === true);
      if (result.kind === 'stream') handedStream = true;
      return result;
    } catch (err) {
      const e = toGatewayError(err);
      await this.fail(ctx, e);
      throw e;
    } finally {
      if (!handedStream) this.finish(ctx);
    }
  }

  private async attemptAll(ctx: RequestContext, plan: Deployment[], passThrough: boolean): Promise<ExecuteResult> {
    if (plan.length === 0) throw new GatewayError(503, 'api_error', `No deployment available for model \`${ctx.requestedModel}\`.`, { code: 'no_deployment' });
    const budget = plan.length + (this.config.router.num_retries ?? 0);
    let index = 0;
    let refreshedCredentials = false;
    const original = ctx.request;
    for (let attempt = 0; ; attempt++) {
      const deployment = plan[index % plan.length];
      try {
        return await this.attempt(ctx, deployment, original, passThrough);
      } catch (err) {
        const e = toGatewayError(err);
        if (ctx.aborted) throw e;
        // A network credential the upstream refused (revoked or rotated token): fetch a fresh one once.
        const view = this.credentialViews.get(deployment.id);
        if (e.upstreamStatus === 401 && view && !refreshedCredentials && view.invalidateUsed() > 0) {
          refreshedCredentials = true;
          continue;
        }
        const decision = this.hooks.attemptFailed.isUsed()
          ? this.hooks.attemptFailed.call(e, ctx)
          : undefined;
        const next = decision ?? (e.retryable && attempt + 1 < budget ? 'next' : 'stop');
        if (next === 'stop' || attempt + 1 >= budget * 4) throw e;
        if (next === 'next') index++;
        this.logger.warn({ requestId: ctx.id, deployment: deployment.id, status: e.status, err: e.message }, 'attempt failed, trying again');
      }
    }
  }

  private async attempt(ctx: RequestContext, deployment: Deployment, original: CanonicalRequest, passThrough: boolean): Promise<ExecuteResult> {
    const adapter = this.adapters.get(deployment.provider)!;
    const record = { deploymentId: deployment.id, provider: deployment.provider, startedAt: ctx.elapsed(), endedAt: 0, status: null as number | null, error: null as GatewayError | null };
    ctx.attempts.push(record);
    ctx.deployment = deployment;
    const stats = deployment.stats;
    stats.inFlight++;
    stats.requests++;
    const now = Date.now();
    if (now - stats.minuteStart >= 60_000) { stats.minuteStart = now; stats.minuteRequests = 0; stats.minuteTokens = 0; }
    stats.minuteRequests++;
    let released = false;
    const release = (ok: boolean): void => {
      if (released) return;
      released = true;
      stats.inFlight--;
      record.endedAt = ctx.elapsed();
      if (ok) stats.latencyMs = stats.latencyMs ? stats.latencyMs + EWMA * (record.endedAt - record.startedAt - stats.latencyMs) : record.endedAt - record.startedAt;
    };
    try {
      const prepared = deployment.prepared;
      const sameFormat = prepared.wireFormat === ctx.inboundFormat;
      // Lossless pass-through of a non-OpenAI client's body to an upstream of the same format.
      ctx.passThrough = sameFormat && ctx.inboundBody !== null && ctx.requestUntouched && !this.hooks.transformRequest.isUsed();
      const request = this.hooks.transformRequest.isUsed() ? await this.hooks.transformRequest.promise(original, ctx) : original;
      let upstreamReq: UpstreamRequest;
      let parseResponse: (body: unknown) => CanonicalResponse;
      if (ctx.operation === 'chat') {
        if (!adapter.chat) throw new BadRequestError(`Provider ${deployment.provider} does not support chat completions.`);
        const t = adapter.chat;
        upstreamReq = t.buildRequest(request as ChatCompletionRequest, deployment, ctx);
        parseResponse = (b) => t.parseResponse(b, deployment, ctx);
      } else if (ctx.operation === 'embeddings') {
        if (!adapter.embeddings) throw new BadRequestError(`Provider ${deployment.provider} does not support embeddings.`, { param: 'model' });
        const t = adapter.embeddings;
        upstreamReq = t.buildRequest(request as EmbeddingRequest, deployment, ctx);
        parseResponse = (b) => t.parseResponse(b, deployment, ctx);
      } else {
        throw new BadRequestError(`Operation ${ctx.operation} is not supported.`);
      }
      if (prepared.authorize) await prepared.authorize(upstreamReq, this.credentialViews.get(deployment.id) ?? this.credentials);

      const sentAt = performance.now();
      if (!ctx.timings.upstreamStart) ctx.timings.upstreamStart = ctx.elapsed();
      let res: UpstreamResponse | undefined | void;
      if (this.hooks.send.isUsed()) res = await this.hooks.send.promise(upstreamReq, ctx);
      if (!res) {
        const timeoutS = ctx.stream
          ? (deployment.params.stream_timeout ?? deployment.params.timeout ?? this.config.router.timeout ?? this.config.settings.request_timeout)
          : (deployment.params.timeout ?? this.config.router.timeout ?? this.config.settings.request_timeout);
        const timeoutMs = timeoutS ? timeoutS * 1000 : undefined;
        res = await (prepared.transport ?? this.transport).send(upstreamReq, new UpstreamSendOptions(ctx.cancellation, timeoutMs));
      }
      record.status = res.status;
      ctx.timings.upstreamHeaders = ctx.elapsed();
      if (res.status >= 400) {
        const body = await res.text().catch(() => '');
        ctx.upstreamMs += performance.now() - sentAt;
        throw adapter.mapError({ status: res.status, headers: res.headers, body: scrubSecrets(body, [deployment.params.api_key, ...(prepared.secrets ?? [])]) }, deployment);
      }
      if (ctx.stream) {
        ctx.upstreamMs += performance.now() - sentAt;
        stats.ttftMs = stats.ttftMs ? stats.ttftMs + EWMA * (ctx.timings.upstreamHeaders - record.startedAt - stats.ttftMs) : ctx.timings.upstreamHeaders - record.startedAt;
        const parser = adapter.chat!.createStreamParser(deployment, ctx);
        const canPass = passThrough && sameFormat && !this.hooks.transformChunk.isUsed() && !this.hooks.streamEnd.isUsed();
        const stream = runStream(ctx, { hooks: this.hooks, deployment, parser, upstream: res, passThrough: canPass });
        return { kind: 'stream', stream: this.guardStream(ctx, stream, release, res) };
      }
      const text = await res.text();
      ctx.upstreamMs += performance.now() - sentAt;
      const parsed = parseUpstreamJson(text);
      let response = parseResponse(parsed);
      if (sameFormat && !this.hooks.transformResponse.isUsed()) {
        ctx.rawResponse = parsed;
        ctx.rawResponseText = text;
      }
      release(true);
      ctx.usage = (response as ChatCompletion).usage ?? null;
      if (ctx.usage) stats.minuteTokens += ctx.usage.total_tokens ?? 0;
      if (ctx.operation === 'chat') ctx.finishReason = (response as ChatCompletion).choices?.[0]?.finish_reason ?? null;
      if (this.hooks.transformResponse.isUsed()) response = await this.hooks.transformResponse.promise(response, ctx);
      ctx.response = response;
      ctx.outcome = 'ok';
      return { kind: 'response', response };
    } catch (err) {
      const e = toGatewayError(err);
      record.error = e;
      stats.failures++;
      stats.lastError = e;
      stats.lastErrorAt = Date.now();
      release(false);
      throw e;
    }
  }

  /** Wraps a started stream: records timing and usage, maps errors, and runs `account` once at its end. */
  private async *guardStream(ctx: RequestContext, inner: AsyncGenerator<StreamItem>, release: (ok: boolean) => void, res: UpstreamResponse): AsyncGenerator<StreamItem, void, undefined> {
    let ok = false;
    try {
      for await (const item of inner) {
        if (!ctx.timings.firstByte) ctx.timings.firstByte = ctx.elapsed();
        yield item;
      }
      ok = true;
      ctx.outcome = 'ok';
    } catch (err) {
      const e = ctx.aborted ? new AbortedError() : toGatewayError(err);
      await this.fail(ctx, e);
      throw e;
    } finally {
      if (!ok && ctx.outcome === 'pending') {
        // The consumer stopped early (client disconnect): cancel the upstream.
        ctx.abort();
        await this.fail(ctx, new AbortedError());
      }
      ctx.timings.lastByte = ctx.elapsed();
      if (ctx.usage) ctx.deployment!.stats.minuteTokens += ctx.usage.total_tokens ?? 0;
      release(ok);
      if (!ok) void res.dump();
      this.finish(ctx);
    }
  }

  private async *replay(ctx: RequestContext, response: ChatCompletion): AsyncGenerator<StreamItem, void, undefined> {
    try {
      for (const chunk of completionToChunks(response, ctx.clientWantsUsage)) {
        if (!ctx.timings.firstByte) ctx.timings.firstByte = ctx.elapsed();
        yield chunk;
      }
      ctx.finishReason = response.choices[0]?.finish_reason ?? null;
    } finally {
      ctx.timings.lastByte = ctx.elapsed();
      this.finish(ctx);
    }
  }

  /** Record a failure and run the `error` hook (its own failures are logged, never thrown). */
  private async fail(ctx: RequestContext, e: GatewayError): Promise<void> {
    if (ctx.error) return;
    ctx.error = e;
    if (ctx.outcome !== 'rejected') ctx.outcome = e instanceof AbortedError || ctx.aborted ? 'aborted' : 'error';
    if (!this.hooks.error.isUsed()) return;
    try {
      await this.hooks.error.promise(e, ctx);
    } catch (hookErr) {
      this.counters.errorHookFailures++;
      this.logger.error({ err: hookErr, requestId: ctx.id }, 'error hook failed');
    }
  }

  /** Schedule `account` once, after the caller has written the answer; it never delays the client. */
  private finish(ctx: RequestContext): void {
    ctx.timings.done = ctx.elapsed();
    ctx.settle();
    this.inFlight--;
    if (this.hooks.account.isUsed()) {
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.hooks.account.promise(ctx))
        .catch((err: unknown) => {
          this.counters.accountFailures++;
          this.logger.error({ err, requestId: ctx.id }, 'account hook failed');
        })
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
    if (this.inFlight === 0 && this.drained) this.drained();
  }

  /** Requests currently in the pipeline (streams count until their last byte). */
  get activeRequests(): number {
    return this.inFlight;
  }

  /**
   * Stop: wait for in-flight requests (up to `timeoutMs`), then pending `account` taps, then the
   * `shutdown` hook (plugins flush), then close upstream pools.
   */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => { this.drained = resolve; }),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    }
    await Promise.allSettled([...this.pending]);
    try {
      await this.hooks.shutdown.promise();
    } catch (err) {
      this.logger.error({ err }, 'shutdown hook failed');
    }
    await this.transport.close?.();
  }
}

/** SendOptions whose AbortSignal is only made when a transport reads it. */
class UpstreamSendOptions implements SendOptions {
  readonly headersTimeoutMs: number | undefined;
  readonly bodyTimeoutMs: number | undefined;
  constructor(readonly abort: Cancellation, timeoutMs: number | undefined) {
    this.headersTimeoutMs = timeoutMs;
    this.bodyTimeoutMs = timeoutMs;
  }
  get signal(): AbortSignal {
    return this.abort.signal;
  }
}
