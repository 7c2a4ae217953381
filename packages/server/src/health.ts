import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PermissionDeniedError,
  scrubSecrets,
  TOKENS,
  toGatewayError,
  type Caller,
  type Deployment,
  type Gateway,
  type StoreStatus,
} from '@tollgate/core';
import { sendJson } from './http.js';

/**
 * Health endpoints in LiteLLM's shapes (litellm/proxy/health_endpoints/_health_endpoints.py):
 * `/health/readiness` (public) reports the stores plugins registered and each adapter's
 * deployments; `/health` (admin) probes deployments with a tiny request, on demand only: probes
 * spend real tokens, so nothing here runs on a timer.
 */

/** Upper bound for one probe (LiteLLM's HEALTH_CHECK_TIMEOUT_SECONDS is 60). */
const PROBE_TIMEOUT_MS = 60_000;

export interface Readiness {
  status: 'healthy' | 'unhealthy';
  version: string;
  /** LiteLLM's field: the database's state, 'connected' or 'disconnected' ('Not connected' without one). */
  db: string;
  /** LiteLLM's field: the Redis store's state, or null without one. */
  cache: string | null;
  models: number;
  in_flight: number;
  stores: StoreStatus[];
  adapters: Array<{ provider: string; deployments: number; cooling: number }>;
  plugins: string[];
}

export async function readiness(gateway: Gateway, version: string): Promise<Readiness> {
  const stores = await gateway.health.checkStores();
  const state = gateway.container.resolve(TOKENS.SharedState);
  // A shared-state store reports whether it reaches its backend (it answers from memory when not).
  if (state.kind !== 'memory') stores.push({ name: state.kind, kind: 'shared_state', status: state.shared ? 'connected' : 'unreachable', ms: 0 });
  const adapters = new Map<string, { provider: string; deployments: number; cooling: number }>();
  await Promise.all(gateway.allDeployments().map(async (d) => {
    const a = adapters.get(d.provider) ?? { provider: d.provider, deployments: 0, cooling: 0 };
    adapters.set(d.provider, a);
    a.deployments++;
    if ((await gateway.health.deploymentState(d)) === 'cooling') a.cooling++;
  }));
  const db = stores.find((s) => s.kind === 'database');
  const redis = stores.find((s) => s.name === 'redis');
  return {
    status: stores.every((s) => s.status === 'connected') ? 'healthy' : 'unhealthy',
    version,
    db: db ? (db.status === 'connected' ? 'connected' : 'disconnected') : 'Not connected',
    cache: redis ? (redis.status === 'connected' ? 'redis' : 'disconnected') : null,
    models: gateway.models().data.length,
    in_flight: gateway.activeRequests,
    stores,
    adapters: [...adapters.values()],
    plugins: [...gateway.pluginNames],
  };
}

export async function sendReadiness(res: ServerResponse, gateway: Gateway, version: string): Promise<void> {
  const r = await readiness(gateway, version);
  sendJson(res, r.status === 'healthy' ? 200 : 503, r);
}

interface Endpoint {
  model: string;
  model_name: string;
  model_id: string;
  api_base: string | undefined;
  error?: string;
}

/** One tiny request to one deployment, through the whole pipeline as an internal call. */
async function probe(gateway: Gateway, d: Deployment): Promise<Endpoint> {
  const endpoint: Endpoint = { model: d.params.model, model_name: d.modelName, model_id: d.id, api_base: d.prepared.baseUrl ? scrubSecrets(d.prepared.baseUrl) : undefined };
  const embedding = d.modelInfo.mode === 'embedding';
  const request = embedding ? { model: d.modelName, input: 'ping' } : { model: d.modelName, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 };
  try {
    await gateway.run(embedding ? 'embeddings' : 'chat', request, { internal: true, deploymentId: d.id, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (err) {
    endpoint.error = toGatewayError(err).message;
  }
  return endpoint;
}

/**
 * `GET /health[?model=<group>][&model_id=<deployment id>]`: probe every deployment (or those
 * asked for) at once. Wildcard groups (`openai/*`) name no model to probe and are left out.
 */
export async function sendHealth(req: IncomingMessage, res: ServerResponse, gateway: Gateway, caller: Caller): Promise<void> {
  if (!caller.admin) throw new PermissionDeniedError('GET /health probes every deployment and needs the master key or an admin key.', { code: 'admin_only' });
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const model = q.get('model');
  const modelId = q.get('model_id');
  const targets = gateway.allDeployments().filter((d) => !d.modelName.includes('*') && (!model || d.modelName === model) && (!modelId || d.id === modelId));
  const results = await Promise.all(targets.map((d) => probe(gateway, d)));
  const healthy = results.filter((r) => r.error === undefined);
  const unhealthy = results.filter((r) => r.error !== undefined);
  sendJson(res, 200, { healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length });
}
