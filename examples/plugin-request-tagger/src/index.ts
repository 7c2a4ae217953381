import { STAGE_DEFAULT, type Gateway, type Plugin, type RequestContext, type Slot } from '@tollgate/core';

/** A request's tags: key -> value ('' for a bare tag such as `urgent`). */
export type RequestTags = Readonly<Record<string, string>>;

export interface TaggerOptions {
  /** Response header that carries the tags. Default `x-request-tags`. */
  header?: string;
  /** Request header a client may send tags in (`team=a,env=prod, urgent`). Default `x-tags`. */
  requestHeader?: string;
  /** Tags every request gets. They win over tags the client sends. */
  tags?: Record<string, string>;
  /** Also read the request's OpenAI `metadata` map (string values). Default true. */
  fromMetadata?: boolean;
}

export const PLUGIN_NAME = 'tollgate-plugin-request-tagger';

/**
 * Token under which the plugin registers its slot in the gateway's container, so other plugins
 * (cost, logs) read a request's tags without importing this package's internals:
 * `gateway.container.resolve<Slot<RequestTags | null>>(REQUEST_TAGS).get(ctx)`.
 */
export const REQUEST_TAGS = Symbol.for('tollgate-plugin-request-tagger.tags');

const HEADER_NAME = '^[A-Za-z0-9-]+$';
const TAG_TEXT = '^[A-Za-z0-9_.:/@+-]*$';
const SAFE = new RegExp(TAG_TEXT);
const MAX_TAGS = 16;
const MAX_KEY = 64;
const MAX_VALUE = 256;

/** JSON Schema for the options: validated by the core (ajv) before `apply`, defaults filled in. */
export const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    header: { type: 'string', pattern: HEADER_NAME, default: 'x-request-tags', 'x-message': 'must be an HTTP header name' },
    requestHeader: { type: 'string', pattern: HEADER_NAME, default: 'x-tags', 'x-message': 'must be an HTTP header name' },
    tags: {
      type: 'object',
      maxProperties: MAX_TAGS,
      propertyNames: { pattern: TAG_TEXT, minLength: 1, maxLength: MAX_KEY },
      additionalProperties: { type: 'string', pattern: TAG_TEXT, maxLength: MAX_VALUE },
      default: {},
    },
    fromMetadata: { type: 'boolean', default: true },
  },
};

/** Parse `team=a, env=prod, urgent` into pairs; later pairs win. */
export function parseTagList(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    out.push(eq === -1 ? [item, ''] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
  }
  return out;
}

/** `{team: 'a', urgent: ''}` -> `team=a,urgent`. */
export function formatTags(tags: RequestTags): string {
  return Object.entries(tags).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(',');
}

function acceptable(key: string, value: string): boolean {
  return key.length > 0 && key.length <= MAX_KEY && value.length <= MAX_VALUE && SAFE.test(key) && SAFE.test(value);
}

/** The plugin: a plain object. Stateless itself, so one instance can serve several gateways. */
export const requestTagger: Plugin<TaggerOptions> = {
  name: PLUGIN_NAME,
  meta: { core: '^0.1.0' },
  schema,
  apply(gateway: Gateway, options: TaggerOptions) {
    // Defaults were filled in by the schema; everything below is prepared once, at start-up.
    const responseHeader = (options.header ?? 'x-request-tags').toLowerCase();
    const requestHeader = (options.requestHeader ?? 'x-tags').toLowerCase();
    const configured = Object.entries(options.tags ?? {});
    const fromMetadata = options.fromMetadata !== false;

    // Per-request state lives in a slot declared now (stable shape). The initial value is shared
    // by every request, so it must be immutable: null, and a fresh object per request.
    const slot: Slot<RequestTags | null> = gateway.declareSlot<RequestTags | null>(PLUGIN_NAME, null);
    gateway.container.register(REQUEST_TAGS, { useValue: slot });

    /** Collect once per request (client header < request metadata < configured tags). */
    const tag = (ctx: RequestContext): RequestTags => {
      const known = slot.get(ctx);
      if (known) return known;
      const tags = new Map<string, string>(); // a Map: keys such as "__proto__" stay plain data
      const ignored: string[] = [];
      const add = (k: string, v: string): void => {
        if (!acceptable(k, v)) ignored.push(k.slice(0, MAX_KEY));
        else if (tags.has(k) || tags.size < MAX_TAGS) tags.set(k, v);
        else ignored.push(k);
      };
      const sent = ctx.headers[requestHeader];
      for (const line of Array.isArray(sent) ? sent : sent ? [sent] : []) for (const [k, v] of parseTagList(line)) add(k, v);
      const metadata = fromMetadata ? (ctx.request as { metadata?: Record<string, unknown> | null }).metadata : null;
      if (metadata && typeof metadata === 'object') {
        for (const [k, v] of Object.entries(metadata)) if (typeof v === 'string') add(k, v);
      }
      for (const [k, v] of configured) tags.set(k, v);
      if (ignored.length) ctx.warnings.push(`request-tagger: ignored tags ${ignored.map((k) => JSON.stringify(k)).join(', ')} (at most ${MAX_TAGS}; letters, digits and _.:/@+- only)`);
      const frozen: RequestTags = Object.freeze(Object.fromEntries(tags));
      slot.set(ctx, frozen);
      if (Object.keys(frozen).length) ctx.responseHeaders[responseHeader] = formatTags(frozen);
      return frozen;
    };

    // Third-party taps run at STAGE_DEFAULT: after auth, limits, input guards and the cache.
    // The header is set here because a streamed answer's headers are written before any later hook.
    // marksChanges: these taps never change the request or the answer, so a client's own bytes may
    // still go upstream and an upstream's answer back as received (the core's fast paths).
    gateway.hooks.preRoute.tap({ name: PLUGIN_NAME, stage: STAGE_DEFAULT, marksChanges: true }, (_request, ctx) => {
      tag(ctx);
      return undefined;
    });
    // A cache hit bails out of preRoute before STAGE_DEFAULT; transformResponse still runs for it.
    gateway.hooks.transformResponse.tap({ name: PLUGIN_NAME, marksChanges: true }, (response, ctx) => {
      tag(ctx);
      return response;
    });
    // Once per request on every path (ok, cache_hit, rejected, error, aborted), after the last byte.
    gateway.hooks.account.tap(PLUGIN_NAME, (ctx) => {
      const tags = tag(ctx);
      if (Object.keys(tags).length) gateway.logger.info({ requestId: ctx.id, outcome: ctx.outcome, model: ctx.requestedModel, tags }, 'request tags');
    });
  },
};

export default requestTagger;
