import { STAGE_CACHE, STAGE_LAST, type Caller, type Gateway, type Plugin, type RequestContext } from '@tollgate/core';
import { redisConnection } from '@tollgate/state-redis';
import { NO_CONTROLS, readControls, type Controls } from './controls.js';
import { cacheKey, fieldsDigest } from './key.js';
import { createMemoryIndex, createRedisIndex, embedPrompt, NotEmbeddableError, withoutEmbeddedText, type SemanticIndex } from './semantic/index.js';
import { CACHE_PARAMS_SCHEMA, OPTIONS_SCHEMA, SETTINGS_PROPERTIES, resolveSettings, type CacheOptions, type CacheSettings } from './settings.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore } from './stores/redis.js';
import type { CacheStore } from './stores/types.js';

export const NAME = '@tollgate/plugin-cache';
/** Response headers: what the cache did, and the entry's key. */
export const CACHE_HEADER = 'x-tollgate-cache';
export const CACHE_KEY_HEADER = 'x-tollgate-cache-key';
/** LiteLLM's name for the same key, for clients that read it. */
export const LITELLM_CACHE_KEY_HEADER = 'x-litellm-cache-key';

/** What to keep of a request whose answer may be stored. */
interface Pending {
  /** The store's key (namespace, then the hash). */
  storeKey: string;
  ttlMs: number;
  /** Semantic mode: the prompt's vector and its scope, to add to the index once stored. */
  semanticScope: string | null;
  vector: Float32Array | null;
}

export type CachePluginOptions = CacheOptions & {
  /** A semantic index you built (tests, another backend); replaces the configured one. */
  index?: SemanticIndex;
};

/** The tenant an entry belongs to: the key, else the team, else the kind of caller. */
export function tenantOf(caller: Caller): string {
  if (caller.keyId) return `k:${caller.keyId}`;
  if (caller.teamId) return `t:${caller.teamId}`;
  return `c:${caller.kind}`;
}

/** An answer worth keeping: complete, not cut by a content filter, not an error body. */
export function storable(response: unknown): boolean {
  if (!response || typeof response !== 'object') return false;
  const r = response as { error?: unknown; choices?: Array<{ finish_reason?: unknown }> };
  if (r.error !== undefined && r.error !== null) return false;
  if (Array.isArray(r.choices)) {
    if (r.choices.length === 0) return false;
    for (const c of r.choices) if (c.finish_reason === 'content_filter' || c.finish_reason === null || c.finish_reason === undefined) return false;
  }
  return true;
}

const joinNamespace = (a: string, b: string): string => (a && b ? `${a}:${b}` : a || b);

/**
 * The response cache: an exact-match cache (sha256 of the normalised request, per tenant) in
 * memory (lru-cache) or Redis, optionally semantic (nearest prompt embedding above a threshold).
 * Taps `preRoute` at STAGE_CACHE (lookup; after keys, limits and input guardrails, so the key is
 * taken on the masked request), `transformResponse` and `streamEnd` at STAGE_LAST (store, after
 * output guardrails had their say) and `shutdown`. Requests it does not apply to pay one tap call.
 */
export const cachePlugin: Plugin<CachePluginOptions> = {
  name: NAME,
  meta: { core: '^0.1.0' },
  schema: { ...OPTIONS_SCHEMA, properties: { ...SETTINGS_PROPERTIES, index: {} } } as unknown as Record<string, unknown>,
  config: {
    settings: {
      cache: { anyOf: [{ type: 'boolean' }, OPTIONS_SCHEMA], 'x-message': 'must be true, false or an object of cache settings' },
      cache_params: CACHE_PARAMS_SCHEMA,
    },
  },
  apply(gateway, options = {}) {
    const { index: givenIndex, ...rest } = options;
    const settings = resolveSettings(rest, gateway.config);
    if (!settings) return;
    for (const w of settings.warnings) gateway.logger.warn(w);
    wire(gateway, settings, givenIndex ?? null);
  },
};

function createStore(gateway: Gateway, s: CacheSettings): CacheStore {
  if (s.store === 'memory') return new MemoryStore({ maxBytes: s.maxBytes });
  const target = s.redis ?? redisConnection({}, gateway.config);
  const store = new RedisStore({ ...target, compressAboveBytes: s.compressAboveBytes, commandTimeoutMs: s.redisTimeoutMs, logger: gateway.logger });
  gateway.health.addStore({ name: 'redis', kind: 'cache', plugin: NAME, check: () => store.ping() });
  // Start-up waits a moment for Redis; without it the gateway serves anyway (every lookup a miss).
  gateway.hooks.ready.tapPromise(NAME, async () => {
    if (!(await store.ready(2000))) gateway.logger.warn('cache: Redis not answering yet; requests are cache misses until it does');
  });
  return store;
}

function createIndex(s: CacheSettings, store: CacheStore, logger: Gateway['logger']): SemanticIndex {
  const maxEntriesPerScope = s.semantic!.maxCandidates;
  if (s.semantic!.index === 'redis' && store instanceof RedisStore) return createRedisIndex({ redis: store.client, prefix: 'tollgate:cache:semantic:', maxEntriesPerScope, timeoutMs: s.redisTimeoutMs, logger });
  return createMemoryIndex({ maxEntriesPerScope });
}

function wire(gateway: Gateway, settings: CacheSettings, givenIndex: SemanticIndex | null): void {
  const { hooks, logger } = gateway;
  const slot = gateway.declareSlot<Pending | null>(NAME, null);
  const store = createStore(gateway, settings);
  const semantic = settings.semantic;
  const index = semantic ? (givenIndex ?? createIndex(settings, store, logger)) : null;
  /** Writes in flight by store key: a lookup of the same key waits for its write (read-your-writes in one process). */
  const writes = new Map<string, Promise<void>>();
  let lastEmbedWarning = 0;

  if (semantic) {
    hooks.ready.tapPromise(NAME, async () => {
      if (!gateway.group(semantic.embeddingModel)) logger.warn({ model: semantic.embeddingModel }, 'cache: the semantic cache\'s embedding model group is not configured; every lookup will be an exact-only miss');
    });
  }

  async function read(storeKey: string, maxAgeMs: number | null): Promise<unknown> {
    const w = writes.get(storeKey);
    if (w) await w;
    const e = await store.get(storeKey);
    if (!e) return undefined;
    if (maxAgeMs !== null && Date.now() - e.createdAt > maxAgeMs) return undefined;
    return e.response;
  }

  /** The prompt's vector, or null when embedding failed (logged at most once a minute; the request goes on as a miss). */
  async function embed(request: unknown, ctx: RequestContext): Promise<Float32Array | null> {
    try {
      return await embedPrompt(gateway, semantic!.embeddingModel, request, { signal: ctx.signal });
    } catch (err) {
      // A prompt with images, audio or no text is never matched on its wording: exact cache only.
      if (err instanceof NotEmbeddableError || ctx.aborted) return null;
      const now = Date.now();
      if (now - lastEmbedWarning > 60_000) {
        lastEmbedWarning = now;
        logger.warn({ err: (err as Error).message, model: semantic!.embeddingModel }, 'cache: embedding the prompt failed; semantic lookups are misses');
      }
      return null;
    }
  }

  function save(ctx: RequestContext, p: Pending, response: unknown): void {
    slot.set(ctx, null);
    if (ctx.blockedBy !== null || ctx.aborted || ctx.streamEndReason !== null || ctx.error !== null || !storable(response)) {
      if (ctx.responseHeaders[CACHE_HEADER] === 'store') ctx.responseHeaders[CACHE_HEADER] = 'miss';
      return;
    }
    const entry = { createdAt: Date.now(), response };
    let stored: Promise<void> | void;
    try {
      // Synchronous for the memory store (serialised now, before anything else can change the answer).
      stored = store.set(p.storeKey, entry, p.ttlMs);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'cache: storing an answer failed');
      return;
    }
    const write = Promise.resolve(stored)
      .then(() => (index && p.vector && p.semanticScope ? index.add(p.semanticScope, p.vector, p.storeKey, p.ttlMs) : undefined))
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'cache: storing an answer failed'))
      .finally(() => { if (writes.get(p.storeKey) === write) writes.delete(p.storeKey); });
    writes.set(p.storeKey, write);
  }

  // marksChanges: the request is only ever replaced (the `cache` field taken out), which marks it.
  hooks.preRoute.tapPromise({ name: NAME, stage: STAGE_CACHE, marksChanges: true }, async (request, ctx) => {
    if (ctx.internal || ctx.pinnedDeployment !== null || typeof request !== 'object' || request === null) return undefined;
    let req = request as Record<string, unknown>;
    const body = req.cache;
    if (body !== undefined) {
      // LiteLLM's controls are the gateway's: they never go upstream.
      const { cache: _, ...copy } = req;
      ctx.request = req = copy;
    }
    if (!settings.operations.has(ctx.operation as never)) return undefined;
    const group = gateway.group(ctx.requestedModel);
    if (!group) return undefined;
    if (settings.modelGroups && !settings.modelGroups.has(group.name) && !settings.modelGroups.has(ctx.requestedModel)) return undefined;
    // A hit skips the core's model access check: only answer callers who may use the model.
    const allowed = ctx.caller.models;
    if (allowed !== null && !allowed.includes(ctx.requestedModel) && !allowed.includes(group.name)) return undefined;

    let controls: Controls = NO_CONTROLS;
    const header = ctx.headers['cache-control'];
    if (body !== undefined || header !== undefined) {
      if (ctx.caller.cacheControls) controls = readControls(body, header);
      else ctx.warnings.push('cache controls ignored: this key may not use them');
    }
    if (!settings.defaultOn && controls.useCache !== true) return undefined;

    const namespace = joinNamespace(settings.namespace, controls.namespace);
    const tenant = settings.scope === 'shared' ? '' : tenantOf(ctx.caller);
    const key = cacheKey({ operation: ctx.operation, group: group.name, scope: tenant, namespace, request: req });
    const storeKey = namespace ? `${namespace}:${key}` : key;
    const h = ctx.responseHeaders;
    h[CACHE_KEY_HEADER] = h[LITELLM_CACHE_KEY_HEADER] = key;
    const lookup = !controls.noCache && controls.maxAgeMs !== 0;
    let semanticScope: string | null = null;
    let vector: Float32Array | null = null;
    if (lookup) {
      let answer = await read(storeKey, controls.maxAgeMs);
      if (answer === undefined && semantic && index && ctx.operation !== 'embeddings') {
        semanticScope = semanticScopeOf(ctx.operation, namespace, tenant, group.name, req);
        vector = await embed(req, ctx);
        const match = vector ? await index.search(semanticScope, vector, semantic.threshold).catch(() => null) : null;
        if (match) {
          answer = await read(match.entryKey, controls.maxAgeMs);
          if (answer !== undefined) h[CACHE_KEY_HEADER] = h[LITELLM_CACHE_KEY_HEADER] = match.entryKey.slice(match.entryKey.lastIndexOf(':') + 1);
        }
      }
      if (answer !== undefined) {
        h[CACHE_HEADER] = 'hit';
        ctx.modelGroup = group;
        return { respond: answer, reason: 'cache_hit' };
      }
    }
    if (controls.noStore) {
      h[CACHE_HEADER] = lookup ? 'miss' : 'bypass';
      return undefined;
    }
    h[CACHE_HEADER] = lookup ? 'store' : 'bypass';
    if (semantic && index && ctx.operation !== 'embeddings' && !vector) {
      // no-cache skipped the lookup: the entry still joins the index.
      semanticScope = semanticScopeOf(ctx.operation, namespace, tenant, group.name, req);
      vector = await embed(req, ctx);
    }
    slot.set(ctx, { storeKey, ttlMs: controls.ttlMs ?? settings.ttlMs, semanticScope, vector });
    ctx.collectResponse();
    return undefined;
  });

  // Complete answers, after output guardrails (they set ctx.blockedBy). marksChanges: nothing is changed.
  hooks.transformResponse.tapPromise({ name: NAME, stage: STAGE_LAST, marksChanges: true }, async (response, ctx) => {
    const p = slot.get(ctx);
    if (p && !ctx.stream) save(ctx, p, response);
    return response;
  });

  // A stream is stored once complete (a cut or aborted stream never gets here).
  hooks.streamEnd.tapPromise({ name: NAME, stage: STAGE_LAST }, async (answer, ctx) => {
    const p = slot.get(ctx);
    if (p) save(ctx, p, answer);
  });

  mountRoutes(gateway, settings, store);

  hooks.shutdown.tapPromise(NAME, async () => {
    await Promise.all(writes.values());
    await index?.close();
    await store.close();
  });
}

/**
 * Where a prompt's vector is compared: one tenant, one model group, one namespace, and the same
 * everything but the embedded text (assistant and tool turns, tools, response_format, temperature...),
 * so a semantic hit differs from the request only in the wording of its prompt.
 */
function semanticScopeOf(operation: string, namespace: string, tenant: string, group: string, request: Record<string, unknown>): string {
  return `${operation}\n${namespace}\n${tenant}\n${group}\n${fieldsDigest(withoutEmbeddedText(request))}`;
}

/**
 * LiteLLM's cache admin routes (master key or an admin key): `GET /cache/ping`, `POST /cache/delete`
 * `{"keys": [...]}` (the keys `x-tollgate-cache-key` / `x-litellm-cache-key` gave; looked up bare and
 * under the configured namespace) and `POST /cache/flushall` (this cache's entries only).
 */
function mountRoutes(gateway: Gateway, settings: CacheSettings, store: CacheStore): void {
  const type = settings.store === 'redis' ? 'redis' : 'local';
  gateway.routes.add({
    method: 'GET', path: '/cache/ping', plugin: NAME,
    handler: async (_req, _res, rc) => {
      try {
        await store.ping();
        rc.json(200, { status: 'healthy', cache_type: type, ping_response: true, semantic: settings.semantic !== null });
      } catch (err) {
        rc.json(503, { error: { message: `Cache unhealthy: ${(err as Error).message}`, type: 'service_unavailable', param: null, code: 'cache_unhealthy' } });
      }
    },
  });
  gateway.routes.add({
    method: 'POST', path: '/cache/delete', plugin: NAME,
    handler: async (_req, _res, rc) => {
      const body = (await rc.readJson()) as { keys?: unknown } | null;
      const keys = body?.keys;
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) {
        rc.json(400, { error: { message: 'Body must be {"keys": ["<cache key>", ...]}.', type: 'invalid_request_error', param: 'keys', code: 'invalid_keys' } });
        return;
      }
      const all = settings.namespace ? keys.flatMap((k: string) => [k, `${settings.namespace}:${k}`]) : (keys as string[]);
      const deleted = await store.delete(all);
      rc.json(200, { status: 'success', deleted });
    },
  });
  gateway.routes.add({
    method: 'POST', path: '/cache/flushall', plugin: NAME,
    handler: async (_req, _res, rc) => {
      await store.clear();
      rc.json(200, { status: 'success' });
    },
  });
}
