import { resolveEnv, type Gateway, type ModelEntry } from '@tollgate/core';
import type { ModelInfoEntry } from '../admin/context.js';
import type { ModelRecord } from '../types.js';

/** The config file's models as LiteLLM's /model/info lists them. */
export function configModels(gateway: Gateway): ModelInfoEntry[] {
  return gateway.config.model_list.map((m) => ({ model_name: m.model_name, litellm_params: { ...m.params }, model_info: { ...(m.model_info ?? {}) } }));
}

/** Access group name -> model names (model_info.access_groups, LiteLLM's model access groups). */
export function accessGroupsOf(models: ReadonlyArray<{ model_name: string; model_info?: Record<string, unknown> }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of models) {
    const groups = m.model_info?.access_groups;
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (typeof g !== 'string') continue;
      const list = out.get(g) ?? [];
      if (!list.includes(m.model_name)) list.push(m.model_name);
      out.set(g, list);
    }
  }
  return out;
}

/**
 * Serves the database's models (LiteLLM's store_model_in_db) through the gateway's runtime model
 * list. One that cannot be served (no adapter for its provider, an unset environment variable)
 * is left out with a log line naming it; the others are served.
 */
export function serveDbModels(gateway: Gateway, records: readonly ModelRecord[]): ModelEntry[] {
  const entries: ModelEntry[] = [];
  for (const r of records) {
    try {
      const params = resolveEnv(r.litellm_params) as ModelEntry['params'];
      entries.push({ model_name: r.model_name, params, model_info: { ...r.model_info, id: r.model_id, db_model: true } });
    } catch (err) {
      gateway.logger.error({ model: r.model_name, id: r.model_id, err: (err as Error).message }, '@tollgate/plugin-keys: a database model cannot be served');
    }
  }
  try {
    gateway.setRuntimeModels(entries);
    return entries;
  } catch {
    const good = entries.filter((e) => {
      try {
        gateway.setRuntimeModels([e]);
        return true;
      } catch (err) {
        gateway.logger.error({ model: e.model_name, id: e.model_info?.id, err: (err as Error).message }, '@tollgate/plugin-keys: a database model cannot be served');
        return false;
      }
    });
    gateway.setRuntimeModels(good);
    return good;
  }
}
