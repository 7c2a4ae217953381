import {
  GatewayError,
  STAGE_LIMITS,
  TOKENS,
  toGatewayError,
  type Caller,
  type Plugin,
  type RequestContext,
} from '@tollgate/core';
import { KeysEngine } from '../engine.js';
import { forbidden } from '../errors.js';
import type { Admission } from '../limits.js';
import type { Principal } from '../principal.js';
import type { ModelRecord } from '../types.js';
import { CallerCache } from './callers.js';
import { accessGroupsOf, configModels, serveDbModels } from './models.js';
import { COST_RECORDS, endUserOf, recordOf, type CostReader } from './record.js';
import { mountAdminRoutes } from './routes.js';
import { KEYS_CONFIG, OPTIONS_SCHEMA, engineOptions, masterKeyOf, refuseWithoutMasterKey, storeOf, type KeysPluginOptions } from './settings.js';

export const PLUGIN_NAME = '@tollgate/plugin-keys';

/** The container token of the running KeysEngine (tests, other plugins, an operator's script). */
export const KEYS_ENGINE: symbol = Symbol.for('@tollgate/plugin-keys.engine');

/** Everyone, when auth is off (dangerously_allow_unsafe_proxy): LiteLLM treats them as proxy admin. */
const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  isMaster: false, isAdmin: true, keyHash: '', key: null, userId: null, user: null, team: null,
  membership: null, membershipBudget: null, organization: null, organizationBudget: null,
});

/** LiteLLM's cache_control_check.py: a key with allowed_cache_controls may set only those under `cache`. */
function checkCacheControls(p: Principal, request: unknown): void {
  const allowed = p.key?.allowed_cache_controls;
  const cache = (request as { cache?: unknown } | null)?.cache;
  if (!Array.isArray(allowed) || allowed.length === 0 || !cache || typeof cache !== 'object') return;
  for (const k of Object.keys(cache)) {
    if (!allowed.includes(k)) throw forbidden(`Not allowed to set ${k} as a cache control. Contact admin to change permissions.`);
  }
}

/**
 * Virtual keys, teams, users, organizations, end users, budgets, rate limits and spend, with
 * LiteLLM's admin API. Taps `authenticate` (headers only: a key -> its Caller), `preRoute` at
 * STAGE_LIMITS (model access, budgets, rpm/tpm/parallel, x-ratelimit-* headers), `account`
 * (spend, spend log, tokens, parallel slots — every path), `ready` (shared counters, cost reader,
 * database models) and `shutdown` (flush).
 */
export const keysPlugin: Plugin<KeysPluginOptions> = {
  name: PLUGIN_NAME,
  meta: { core: '^0.1.0' },
  schema: OPTIONS_SCHEMA,
  config: KEYS_CONFIG,
  async apply(gateway, options) {
    const masterKey = masterKeyOf(gateway);
    if (!masterKey) refuseWithoutMasterKey(gateway);
    const settings = gateway.config.settings;
    let groups = accessGroupsOf(gateway.config.model_list);
    let groupNames: readonly string[] = [];
    const fromConfig = configModels(gateway);
    const engine = await KeysEngine.open({
      store: storeOf(gateway, options),
      ...(masterKey ? { masterKey } : {}),
      logger: gateway.logger,
      accessGroups: (name) => groups.get(name),
      configModels: () => fromConfig,
      ...engineOptions(gateway, options),
    });
    gateway.container.register(KEYS_ENGINE, { useValue: engine });
    const callers = new CallerCache(engine, () => groupNames);
    const admissions = gateway.declareSlot<Admission | null>(PLUGIN_NAME, null);
    let costs: CostReader | null = null;

    const principalOf = (caller: Caller): Principal => {
      if (caller.kind === 'key') {
        const p = callers.principalOf(caller);
        // A Caller made by another plugin's authenticate tap: not ours to limit or bill.
        if (!p) throw new GatewayError(401, 'auth_error', 'This key is not a virtual key of this gateway.', { code: '401' });
        return p;
      }
      return caller.kind === 'master' ? engine.masterPrincipal() : ANONYMOUS_PRINCIPAL;
    };
    const ours = (ctx: RequestContext): boolean => !ctx.internal && (ctx.caller.kind !== 'key' || callers.principalOf(ctx.caller) !== undefined);

    if (masterKey) {
      gateway.hooks.authenticate.tapPromise(PLUGIN_NAME, async ({ key, keyDigest }) => callers.callerFor(await engine.authenticate(key, keyDigest)));
    }

    gateway.hooks.preRoute.tapPromise({ name: PLUGIN_NAME, stage: STAGE_LIMITS, marksChanges: true }, async (request, ctx) => {
      if (!ours(ctx)) return undefined;
      const p = principalOf(ctx.caller);
      const model = ctx.spec.model(request);
      try {
        checkCacheControls(p, request);
        const admission = await engine.admit(p, { model, endUser: endUserOf(request) });
        admissions.set(ctx, admission);
        for (const h in admission.headers) ctx.responseHeaders[h] = admission.headers[h]!;
      } catch (err) {
        return { reject: toGatewayError(err), reason: 'limit' };
      }
      // Team and key model aliases (LiteLLM's model_aliases / aliases) name another group.
      const target = engine.resolveModel(p, model);
      if (target !== model) ctx.request = { ...(request as object), model: target };
      return undefined;
    });

    gateway.hooks.account.tapPromise(PLUGIN_NAME, async (ctx) => {
      if (!ours(ctx)) return;
      await engine.account(principalOf(ctx.caller), admissions.get(ctx), recordOf(ctx, costs, ctx.caller.tags));
    });

    let modelTimer: NodeJS.Timeout | null = null;
    gateway.hooks.ready.tapPromise(PLUGIN_NAME, async () => {
      // Resolved now, once every plugin has registered: a Redis store registered after this plugin counts.
      engine.useState(gateway.container.resolve(TOKENS.SharedState));
      costs = gateway.container.isRegistered(COST_RECORDS, true) ? gateway.container.resolve<CostReader>(COST_RECORDS) : null;
      const refresh = (): void => {
        groupNames = gateway.models().data.map((m) => m.id);
        callers.modelsChanged();
      };
      refresh();
      if (settings.store_model_in_db !== true) return;
      let seen = '';
      const apply = (records: readonly ModelRecord[]): void => {
        seen = records.map((r) => `${r.model_id}@${r.updated_at}`).join(',');
        const served = serveDbModels(gateway, records);
        groups = accessGroupsOf([...gateway.config.model_list, ...served]);
        refresh();
      };
      apply(await engine.listDbModels());
      engine.onModelsChanged(apply);
      // Changes made through another process reach this one on the next poll.
      modelTimer = setInterval(() => {
        engine.listDbModels().then((records) => {
          if (records.map((r) => `${r.model_id}@${r.updated_at}`).join(',') !== seen) apply(records);
        }, (err: unknown) => gateway.logger.warn({ err }, '@tollgate/plugin-keys: reading database models failed'));
      }, options.model_refresh_interval_ms ?? 10_000);
      modelTimer.unref();
    });

    gateway.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
      if (modelTimer) clearInterval(modelTimer);
      await engine.close();
    });

    mountAdminRoutes(gateway, engine, PLUGIN_NAME, principalOf);
  },
};

export default keysPlugin;
