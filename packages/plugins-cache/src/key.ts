import { hash } from 'node:crypto';

/**
 * Request fields that never change the answer: delivery (`stream`, `stream_options`), who asks
 * (`user`, `safety_identifier`, `metadata`), gateway controls (`cache`, `tags`, `guardrails`,
 * retries, fallbacks, timeouts), upstream-side bookkeeping (`store`, `service_tier`,
 * `prompt_cache_key`) and LiteLLM's test and routing fields. Everything else is part of the key,
 * so a field Tollgate does not know yet never makes two different requests share an answer.
 */
const IGNORED = new Set([
  'model', 'stream', 'stream_options', 'user', 'safety_identifier', 'metadata', 'cache', 'tags', 'guardrails', 'num_retries',
  'fallbacks', 'context_window_fallbacks', 'disable_fallbacks', 'timeout', 'request_timeout', 'store', 'service_tier',
  'prompt_cache_key', 'mock_testing_fallbacks', 'mock_testing_rate_limit_error', 'mock_timeout', 'litellm_logging_obj',
  'litellm_call_id', 'litellm_metadata', 'proxy_server_request', 'extra_headers',
]);

/**
 * JSON with object keys in sorted order (so `{a,b}` and `{b,a}` give one key), `undefined` and
 * `null` object fields left out (an explicit null asks for the default, like an absent field).
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + stableJson(value[i]);
    return out + ']';
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + stableJson(v);
    first = false;
  }
  return out + '}';
}

/** The answer-changing fields of a request, normalised: one name for the token cap, no ignored or empty fields. */
export function keyFields(request: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in request) {
    if (IGNORED.has(k) || k.startsWith('litellm_')) continue;
    const v = request[k];
    if (v === undefined || v === null) continue;
    out[k] = v;
  }
  // `max_tokens` is the old name of `max_completion_tokens` for chat: the same cap is the same request.
  if (out.max_tokens !== undefined && out.max_completion_tokens === undefined) {
    out.max_completion_tokens = out.max_tokens;
    delete out.max_tokens;
  }
  return out;
}

export interface KeyParts {
  /** 'chat', 'completions', 'embeddings'. */
  operation: string;
  /** The model group that serves the request (aliases resolved). */
  group: string;
  /** The tenant ('' for a shared cache). */
  scope: string;
  /** The configured and the request's namespace, joined. */
  namespace: string;
  request: Record<string, unknown>;
}

/** A digest of a request's answer-changing fields alone (sha256, first 32 hex chars): the semantic index's scope part. */
export function fieldsDigest(request: Record<string, unknown>): string {
  return hash('sha256', stableJson(keyFields(request)), 'hex').slice(0, 32);
}

/** The entry key: sha256 (hex) over the operation, namespace, tenant, model group and the normalised answer-changing fields. */
export function cacheKey(p: KeyParts): string {
  // One-shot crypto.hash: no Hash object per request.
  return hash('sha256', `${p.operation}\n${p.namespace}\n${p.scope}\n${p.group}\n${stableJson(keyFields(p.request))}`, 'hex');
}
