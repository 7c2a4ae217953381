import { createHash } from 'node:crypto';
import { ConflictError, badRequest, notFound } from '../errors.js';
import { allowedModels } from '../access.js';
import type { ModelRecord } from '../types.js';
import type { AdminContext, ModelInfoEntry } from './context.js';
import { ok, type AdminRoute } from './route.js';
import { actor, body, invalid, iso, obj, str, uuid } from './util.js';

/**
 * Models kept in the database (LiteLLM's store_model_in_db) and /model/info over them and the
 * config's, as litellm/proxy/management_endpoints/model_management_endpoints.py and
 * proxy_server.py (model_info_v1) serve them. Credentials never leave: litellm_params are
 * listed without keys, secrets and tokens (LiteLLM's remove_sensitive_info_from_deployment).
 */
const SECRET = /key|secret|token|password|credential/i;

export function publicParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !SECRET.test(k)));
}

/** A config model without an id gets a stable one, as LiteLLM hashes its deployments. */
function idOf(m: ModelInfoEntry): string {
  const id = m.model_info.id;
  return typeof id === 'string' ? id : createHash('sha256').update(`${m.model_name}\n${JSON.stringify(m.litellm_params)}`).digest('hex');
}

function entryOf(m: ModelInfoEntry, db: boolean) {
  return { model_name: m.model_name, litellm_params: publicParams(m.litellm_params), model_info: { ...m.model_info, id: idOf(m), db_model: db } };
}

export function modelRoutes(ctx: AdminContext): AdminRoute[] {
  const all = async () => ctx.store.find<ModelRecord>('models');
  const changed = async () => ctx.modelsChanged(await all());

  const info: AdminRoute['handler'] = async ({ query, caller }) => {
    const entries = [...ctx.configModels().map((m) => entryOf(m, false)), ...(await all()).map((m) => entryOf(m, true))];
    const names = new Set(allowedModels(caller, [...new Set(entries.map((e) => e.model_name))], ctx.accessGroups));
    let data = entries.filter((e) => names.has(e.model_name));
    if (query.litellm_model_id) data = data.filter((e) => e.model_info.id === query.litellm_model_id);
    return ok({ data });
  };

  const respond = (m: ModelRecord) => ({ ...m, litellm_params: publicParams(m.litellm_params) });

  return [
    {
      method: 'POST',
      path: '/model/new',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const name = str(b, 'model_name');
        const params = obj(b, 'litellm_params');
        if (!name) throw invalid('model_name: field required', 'model_name');
        if (!params || typeof params.model !== 'string') throw invalid('litellm_params.model: field required', 'litellm_params');
        const modelInfo = obj(b, 'model_info') ?? {};
        const now = iso(ctx.now());
        const record: ModelRecord = {
          model_id: typeof modelInfo.id === 'string' ? modelInfo.id : uuid(),
          model_name: name,
          litellm_params: params,
          model_info: modelInfo,
          created_at: now,
          updated_at: now,
          created_by: actor(caller),
          updated_by: actor(caller),
        };
        record.model_info = { ...modelInfo, id: record.model_id };
        try {
          await ctx.store.insert('models', record);
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest(`Model id = ${record.model_id} already exists.`, 'model_info.id');
          throw err;
        }
        await changed();
        return ok(respond(record));
      },
    },
    {
      method: 'POST',
      path: '/model/update',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const modelInfo = obj(b, 'model_info') ?? {};
        const id = typeof modelInfo.id === 'string' ? modelInfo.id : null;
        if (!id) throw invalid('model_info.id: field required', 'model_info');
        const existing = await ctx.store.get<ModelRecord>('models', id);
        if (!existing) throw notFound(`Model id = ${id} not found on litellm proxy`, 'model_info.id');
        const next: ModelRecord = {
          ...existing,
          model_name: str(b, 'model_name') ?? existing.model_name,
          litellm_params: { ...existing.litellm_params, ...(obj(b, 'litellm_params') ?? {}) },
          model_info: { ...existing.model_info, ...modelInfo },
          updated_at: iso(ctx.now()),
          updated_by: actor(caller),
        };
        await ctx.store.update('models', next);
        await changed();
        return ok(respond(next));
      },
    },
    {
      method: 'POST',
      path: '/model/delete',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const id = str(body(raw), 'id');
        if (!id) throw invalid('id: field required', 'id');
        if ((await ctx.store.delete('models', [id])) === 0) throw badRequest(`Model with id=${id} not found in db`, 'id');
        await changed();
        return ok({ message: `Model: ${id} deleted successfully` });
      },
    },
    { method: 'GET', path: '/model/info', auth: 'caller', handler: info },
    { method: 'GET', path: '/v1/model/info', auth: 'caller', handler: info },
  ];
}
