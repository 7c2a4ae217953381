import { collectDefaultMetrics, Registry } from 'prom-client';
import { STAGE_LAST, type Gateway, type Plugin } from '@tollgate/core';
import { registerFamily, type Family } from './families.js';
import { litellmFamilies } from './litellm.js';
import { nativeFamilies } from './native.js';
import { MetricsRecorder } from './recorder.js';
import { WEBHOOK_STATS, webhookFamilies, type WebhookStats } from './webhook.js';

export interface MetricsOptions {
  /** Serve `/metrics` without a key (default false: the master key or an admin key). */
  public?: boolean;
  /** Also expose LiteLLM's metric names (default true). */
  litellmNames?: boolean;
  /** prom-client's process and Node.js metrics (default true). */
  processMetrics?: boolean;
}

/** What the plugin registers in the container, for code that adds its own metrics to the same registry. */
export interface MetricsService {
  readonly registry: Registry;
  readonly recorder: MetricsRecorder;
}
export const METRICS = Symbol.for('tollgate.plugin-metrics');

export const NAME = '@tollgate/plugin-metrics';

/** LiteLLM's callback lists: this plugin is what `callbacks: ["prometheus"]` asks for (see the server's PLUGIN_CONFIG_HINTS). */
const CALLBACK_LIST = { type: 'array', items: { type: 'string' } };

const metricsPlugin: Plugin<MetricsOptions> = {
  name: NAME,
  meta: { core: '^0.1.0' },
  schema: {
    type: 'object',
    properties: { public: { type: 'boolean' }, litellmNames: { type: 'boolean' }, processMetrics: { type: 'boolean' } },
    additionalProperties: false,
  },
  config: {
    settings: {
      callbacks: CALLBACK_LIST,
      success_callback: CALLBACK_LIST,
      failure_callback: CALLBACK_LIST,
      // LiteLLM's switch; here /metrics is protected unless it is explicitly false (or `public: true`).
      require_auth_for_metrics_endpoint: { type: 'boolean' },
    },
  },
  apply(gateway: Gateway, options: MetricsOptions) {
    const recorder = new MetricsRecorder();
    const registry = new Registry();
    gateway.container.register(METRICS, { useValue: { registry, recorder } });
    gateway.hooks.ready.tap(NAME, () => recorder.names.load(gateway));
    // Per attempt and per request, never per chunk: both taps only add numbers to rows.
    gateway.hooks.attemptEnd.tap({ name: NAME, stage: STAGE_LAST }, (attempt, ctx) => recorder.attempt(attempt, ctx));
    gateway.hooks.account.tap({ name: NAME, stage: STAGE_LAST }, (ctx) => recorder.record(ctx));

    const families: Family[] = [...nativeFamilies(recorder, gateway), ...webhookFamilies(() => (gateway.container.isRegistered(WEBHOOK_STATS) ? gateway.container.resolve<WebhookStats>(WEBHOOK_STATS) : null))];
    if (options.litellmNames !== false) families.push(...litellmFamilies(recorder, gateway));
    for (const f of families) registerFamily(registry, f);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

    const open = options.public === true || gateway.config.settings.require_auth_for_metrics_endpoint === false;
    gateway.routes.add({
      method: 'GET',
      path: '/metrics',
      auth: open ? 'public' : 'admin',
      plugin: NAME,
      async handler(_req, res) {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
    });
  },
};

export default metricsPlugin;
export { MetricsRecorder } from './recorder.js';
export { LATENCY_BUCKETS, OVERHEAD_BUCKETS } from './histogram.js';
export { webhookLogger, WebhookLogger, WEBHOOK_STATS, type WebhookOptions, type WebhookStats } from './webhook.js';
