import path from 'node:path';
import { STAGE_LAST, type Deployment, type Gateway, type Plugin, type RequestContext } from '@tollgate/core';
import { COST_CONFIG_KEYS } from './config-keys.js';
import { CostEngine, emptyUsage, type CostInput } from './engine.js';
import { counterFor } from './estimate.js';
import { costHeaders } from './headers.js';
import { baseModelOf, lookupBase } from './price-for.js';
import type { CostRecord } from './types.js';

export const PLUGIN_NAME = '@tollgate/plugin-cost';

/** A request's cost record once its cost is known (a complete answer, or the request is over); null before. */
export type CostRecordReader = (ctx: RequestContext) => CostRecord | null;

/**
 * The container token of the `CostRecordReader`, so other plugins (spend logs, budgets) read a
 * request's cost without importing this package:
 * `gateway.container.resolve(Symbol.for('@tollgate/plugin-cost.records'))(ctx)`. Whichever
 * `account` tap asks first, the record is computed once.
 */
export const COST_RECORDS: symbol = Symbol.for('@tollgate/plugin-cost.records');

export interface CostPluginOptions {
  /** LiteLLM-format price maps merged over the shipped table, later ones winning: paths (relative to the config file) or objects. */
  price_files?: Array<string | Record<string, unknown>>;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    price_files: {
      type: 'array',
      items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }], 'x-message': 'must be a file path or a price map object' },
    },
  },
};

/** Before every other `account` tap, so they read `ctx.cost` (the reader covers any order anyway). */
const ACCOUNT_STAGE = -1000;

interface AnswerFacts {
  service_tier?: unknown;
  meta?: { billed_units?: { search_units?: unknown } };
  choices?: Array<{ text?: unknown; message?: { content?: unknown; tool_calls?: Array<{ function?: { arguments?: unknown } }> } }>;
}

/** The text of a complete chat or legacy completion answer, for an estimate when it came without usage. */
function answerText(facts: AnswerFacts): string {
  let out = '';
  for (const c of facts.choices ?? []) {
    if (typeof c.text === 'string') out += c.text;
    if (typeof c.message?.content === 'string') out += c.message.content;
    for (const call of c.message?.tool_calls ?? []) if (typeof call.function?.arguments === 'string') out += call.function.arguments;
  }
  return out;
}

/** What the engine needs of a request, read from its context at the end (or at its complete answer). */
function inputOf(gateway: Gateway, ctx: RequestContext, response: unknown): CostInput {
  const usage = ctx.usage ?? (response != null ? ctx.spec.usage(response) : null);
  const facts = (response ?? {}) as AnswerFacts;
  const units = facts.meta?.billed_units?.search_units;
  const cacheHit = ctx.outcome === 'cache_hit';
  // A cache hit ran no deployment: what it saved is priced at the group's first one.
  const deployment = cacheHit ? (gateway.group(ctx.requestedModel)?.deployments[0] ?? null) : ctx.deployment;
  // Something was served (and billed upstream) when usage came back, an answer was parsed, or a
  // stream got past its first content; an upstream error before that costs nothing.
  const served = usage !== null || response != null || (ctx.stream && ctx.timings.firstToken > 0);
  return {
    deployment,
    operation: ctx.operation,
    usage,
    request: served ? ctx.request : null,
    outputText: response != null && emptyUsage(usage) ? answerText(facts) : null,
    outputTokens: ctx.streamEvents,
    cacheHit,
    serviceTier: typeof facts.service_tier === 'string' ? facts.service_tier : null,
    searchUnits: typeof units === 'number' ? units : null,
    durationMs: ctx.timings.done || ctx.elapsed(),
  };
}

/** Where a deployment's entry sits in the config, for messages: its index and its params' name. */
function entryPath(gateway: Gateway, d: Deployment): { params: string; info: string } {
  const i = gateway.config.model_list.findIndex((e) => e.params === d.params || (e.model_info !== undefined && e.model_info === d.modelInfo));
  const root = `model_list[${i}]`;
  return { params: gateway.config.origins[`${root}.params`] ?? `${root}.params`, info: `${root}.model_info` };
}

const ownsRates = (source: Readonly<Record<string, unknown>>): boolean => source.input_cost_per_token !== undefined || source.output_cost_per_token !== undefined;

/**
 * At start-up: compile every deployment's price once (no request pays for it), load the tokenizers
 * their estimates need, and say in one line which deployments have no price (their cost is 0).
 */
function checkPrices(gateway: Gateway, engine: CostEngine): void {
  const unpriced: string[] = [];
  for (const d of gateway.allDeployments()) {
    const at = entryPath(gateway, d);
    const price = engine.priceOf(d);
    const base = baseModelOf({ model_info: d.modelInfo, params: d.params });
    if (base && !lookupBase(base, d.provider, engine.table) && !ownsRates(d.modelInfo) && !ownsRates(d.params)) {
      unpriced.push(`${typeof d.modelInfo.base_model === 'string' ? at.info : at.params}.base_model "${base}"`);
    } else if (!price) {
      unpriced.push(`${at.params}.model "${d.provider}/${d.providerModel}"`);
    }
    counterFor(price?.key ?? d.providerModel);
  }
  if (unpriced.length) {
    gateway.logger.warn(
      `${PLUGIN_NAME}: no price known for ${unpriced.join(', ')}: their cost is recorded as 0. Set model_info.input_cost_per_token and output_cost_per_token, or add a price file (price_files).`,
    );
  }
}

/**
 * What each request cost: on `ctx.cost` (with `ctx.usageEstimated` when the usage was counted
 * locally) for every request by `account` time, a cost record for spend logs under `COST_RECORDS`,
 * and `x-tollgate-cost` / `x-litellm-response-cost` on complete (non-streamed) answers. Streams
 * keep their fast path: they are priced at their end from the usage the core asks upstream for.
 */
export const costPlugin: Plugin<CostPluginOptions> = {
  name: PLUGIN_NAME,
  meta: { core: '^0.1.0' },
  schema,
  config: COST_CONFIG_KEYS,
  apply(gateway, options) {
    const files = (options.price_files ?? []).map((f) => (typeof f === 'string' ? path.resolve(gateway.configDir, f) : f));
    const engine = new CostEngine({ priceFiles: files });
    const slot = gateway.declareSlot<CostRecord | null>(PLUGIN_NAME, null);

    const keep = (ctx: RequestContext, record: CostRecord): CostRecord => {
      slot.set(ctx, record);
      ctx.cost = record.cost;
      if (record.usage_estimated) {
        ctx.usageEstimated = true;
        const tokens = record.input_tokens + record.output_tokens;
        if (tokens > 0) ctx.usage = { prompt_tokens: record.input_tokens, completion_tokens: record.output_tokens, total_tokens: tokens };
      }
      return record;
    };
    const reader: CostRecordReader = (ctx) => {
      const known = slot.get(ctx);
      if (known || ctx.outcome === 'pending') return known;
      return keep(ctx, engine.record(inputOf(gateway, ctx, ctx.response)));
    };
    gateway.container.register(COST_RECORDS, { useValue: reader });

    // Headers only, never the body: marksChanges keeps a same-format answer's bytes as received.
    gateway.hooks.transformResponse.tap({ name: PLUGIN_NAME, stage: STAGE_LAST, marksChanges: true }, (response, ctx) => {
      const record = keep(ctx, engine.record(inputOf(gateway, ctx, response)));
      if (!ctx.stream) Object.assign(ctx.responseHeaders, costHeaders(record.cost));
      return response;
    });
    gateway.hooks.account.tap({ name: PLUGIN_NAME, stage: ACCOUNT_STAGE }, (ctx) => {
      reader(ctx);
    });
    gateway.hooks.ready.tap(PLUGIN_NAME, () => checkPrices(gateway, engine));
  },
};

export default costPlugin;
