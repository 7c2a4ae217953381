import { ConflictError, badRequest } from '../errors.js';
import type { BudgetRecord, EndUserRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { budgetFieldsOf, hasBudgetFields, upsertBudget } from './budgets.js';
import { ok, type AdminRoute } from './route.js';
import { actor, body, bool, invalid, required, str, strs, withPending, type Body } from './util.js';

/**
 * /customer/* and the same under /end_user/* as
 * litellm/proxy/management_endpoints/customer_endpoints.py serves them (NewCustomerRequest,
 * UpdateCustomerRequest, DeleteCustomerRequest, BlockUsers in _types.py). An end user is the
 * `user` field of a request; its budget and limits live in a budget row.
 */
const REGIONS = ['eu', 'us'];

function regionOf(b: Body): string | null {
  const r = str(b, 'allowed_model_region');
  if (r !== null && !REGIONS.includes(r)) throw invalid(`allowed_model_region: must be one of ${REGIONS.join(', ')}`, 'allowed_model_region');
  return r;
}

export function customerRoutes(ctx: AdminContext): AdminRoute[] {
  const withBudget = async (e: EndUserRecord) => ({
    ...withPending(ctx, 'end_users', e.user_id, e),
    litellm_budget_table: e.budget_id ? await ctx.store.get<BudgetRecord>('budgets', e.budget_id) : null,
  });
  const notFound = (id: string) => badRequest(`End User Id=${id} does not exist in db`, 'end_user_id');
  const save = async (e: EndUserRecord) => {
    await ctx.store.update('end_users', e);
    ctx.invalidate('end_users', e.user_id);
  };

  const routes: AdminRoute[] = [
    {
      method: 'POST',
      path: '/new',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const userId = required(b, 'user_id');
        if (b.max_budget != null && b.budget_id != null) throw invalid("Set either 'max_budget' or 'budget_id', not both.", 'max_budget');
        let budgetId = str(b, 'budget_id');
        if (budgetId && !(await ctx.store.get('budgets', budgetId))) throw badRequest(`Budget id = ${budgetId} does not exist`, 'budget_id');
        if (!budgetId && hasBudgetFields(b)) budgetId = (await upsertBudget(ctx, null, budgetFieldsOf(b, ctx.now()), actor(caller))).budget_id;
        const record: EndUserRecord = {
          user_id: userId,
          alias: str(b, 'alias'),
          spend: 0,
          allowed_model_region: regionOf(b),
          default_model: str(b, 'default_model'),
          budget_id: budgetId,
          blocked: bool(b, 'blocked') ?? false,
        };
        try {
          await ctx.store.insert('end_users', record);
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest(`Customer already exists, passed user_id=${userId}`, 'user_id');
          throw err;
        }
        ctx.invalidate('end_users', userId);
        return ok(await withBudget(record));
      },
    },
    {
      method: 'GET',
      path: '/info',
      auth: 'admin',
      handler: async ({ query }) => {
        const id = query.end_user_id;
        if (!id) throw invalid('end_user_id: query parameter required', 'end_user_id');
        const e = await ctx.store.get<EndUserRecord>('end_users', id);
        if (!e) throw notFound(id);
        return ok(await withBudget(e));
      },
    },
    {
      method: 'POST',
      path: '/update',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const id = required(b, 'user_id');
        const e = await ctx.store.get<EndUserRecord>('end_users', id);
        if (!e) throw notFound(id);
        const next: EndUserRecord = { ...e };
        for (const f of ['alias', 'default_model'] as const) if (b[f] !== undefined) next[f] = str(b, f);
        if (b.allowed_model_region !== undefined) next.allowed_model_region = regionOf(b);
        if (b.blocked !== undefined) next.blocked = bool(b, 'blocked') ?? false;
        if (b.budget_id !== undefined) next.budget_id = str(b, 'budget_id');
        if (hasBudgetFields(b)) next.budget_id = (await upsertBudget(ctx, next.budget_id, budgetFieldsOf(b, ctx.now()), actor(caller))).budget_id;
        await save(next);
        return ok(await withBudget(next));
      },
    },
    {
      method: 'POST',
      path: '/delete',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const ids = strs(body(raw), 'user_ids');
        if (!ids) throw invalid('user_ids: field required', 'user_ids');
        const found = await ctx.store.find<EndUserRecord>('end_users', { id: ids });
        if (found.length !== ids.length) throw notFound(ids.find((i) => !found.some((f) => f.user_id === i))!);
        await ctx.store.delete('end_users', ids);
        for (const id of ids) ctx.invalidate('end_users', id);
        return ok({ deleted_customers: ids });
      },
    },
    {
      method: 'GET',
      path: '/list',
      auth: 'admin',
      handler: async () => ok(await Promise.all((await ctx.store.find<EndUserRecord>('end_users')).map(withBudget))),
    },
    ...(['block', 'unblock'] as const).map(
      (action): AdminRoute => ({
        method: 'POST',
        path: `/${action}`,
        auth: 'admin',
        handler: async ({ body: raw }) => {
          const ids = strs(body(raw), 'user_ids');
          if (!ids) throw invalid('user_ids: field required', 'user_ids');
          for (const id of ids) {
            const e = await ctx.store.get<EndUserRecord>('end_users', id);
            // Blocking someone not seen yet creates them blocked (LiteLLM upserts).
            if (!e) await ctx.store.insert('end_users', { user_id: id, alias: null, spend: 0, allowed_model_region: null, default_model: null, budget_id: null, blocked: action === 'block' });
            else await save({ ...e, blocked: action === 'block' });
            ctx.invalidate('end_users', id);
          }
          return ok({ [action === 'block' ? 'blocked_users' : 'unblocked_users']: ids });
        },
      }),
    ),
  ];
  return ['/customer', '/end_user'].flatMap((prefix) => routes.map((r) => ({ ...r, path: `${prefix}${r.path}` })));
}
