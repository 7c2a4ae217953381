import { scrubSecrets, upstreamFormatError, type Deployment, type ModelList, type Transport, type UpstreamRequest } from '@tollgate/core';
import { mapOllamaError } from './errors.js';
import type { OllamaState } from './state.js';
import type { OllamaTag } from './types.js';

/** `GET /api/tags` for a prepared Ollama deployment (its base URL and auth header). */
export function buildOllamaTagsRequest(d: Pick<Deployment<OllamaState>, 'prepared'>): UpstreamRequest {
  const { authorization } = d.prepared.headers;
  return { method: 'GET', url: d.prepared.state.tagsUrl, headers: authorization ? { authorization } : {} };
}

/** The `models` of a `/api/tags` answer (api.ListResponse). */
export function parseOllamaTags(body: unknown): OllamaTag[] {
  const models = (body as { models?: unknown })?.models;
  if (!Array.isArray(models)) throw upstreamFormatError('a tags response without models');
  return models as OllamaTag[];
}

/** Pulled models as an OpenAI model list, ids prefixed with the provider (`ollama_chat/llama3.2:latest`). */
export function ollamaTagsToModelList(tags: readonly OllamaTag[], provider = 'ollama_chat'): ModelList {
  return {
    object: 'list',
    data: tags.map((t) => ({ id: `${provider}/${t.name}`, object: 'model', created: Math.floor((Date.parse(t.modified_at) || 0) / 1000), owned_by: 'ollama' })),
  };
}

/**
 * The models an Ollama server has pulled, through a core Transport (model discovery for an admin
 * route or a wildcard deployment). Errors are mapped like any upstream error.
 */
export async function listOllamaModels(transport: Transport, d: Pick<Deployment<OllamaState>, 'prepared'>, signal: AbortSignal = new AbortController().signal): Promise<OllamaTag[]> {
  const res = await transport.send(buildOllamaTagsRequest(d), { signal });
  const text = await res.text();
  if (res.status >= 400) throw mapOllamaError({ status: res.status, headers: res.headers, body: scrubSecrets(text, d.prepared.secrets ?? []) });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw upstreamFormatError('a malformed tags response');
  }
  return parseOllamaTags(parsed);
}
