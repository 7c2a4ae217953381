import { ConflictError, badRequest, notFound } from '../errors.js';
import type { BudgetRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { newBudgetRecord } from './members.js';
import { ok, type AdminRoute } from './route.js';
import { actor, body, invalid, iso, num, obj, present, resetAtFor, str, strs, validDuration, type Body } from './util.js';

/** BudgetNewRequest fields (litellm/proxy/_types.py). */
export const BUDGET_FIELDS = ['max_budget', 'soft_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit', 'budget_duration', 'model_max_budget'] as const;

export function budgetFieldsOf(b: Body, now: number): Partial<BudgetRecord> {
  for (const f of ['max_budget', 'soft_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit']) num(b, f);
  obj(b, 'model_max_budget');
  const fields = present(b, BUDGET_FIELDS) as Partial<BudgetRecord>;
  if ('budget_duration' in fields) {
    fields.budget_duration = validDuration(fields.budget_duration, 'budget_duration');
    fields.budget_reset_at = resetAtFor(fields.budget_duration ?? null, now);
  }
  return fields;
}

export const hasBudgetFields = (b: Body) => BUDGET_FIELDS.some((f) => b[f] !== undefined && b[f] !== null);

/** Updates a budget row in place (or creates it) and drops it from the caches. */
export async function upsertBudget(ctx: AdminContext, budgetId: string | null, fields: Partial<BudgetRecord>, by: string): Promise<BudgetRecord> {
  const existing = budgetId ? await ctx.store.get<BudgetRecord>('budgets', budgetId) : null;
  if (existing) {
    const next = { ...existing, ...fields, updated_at: iso(ctx.now()), updated_by: by };
    await ctx.store.update('budgets', next);
    ctx.invalidate('budgets', existing.budget_id);
    return next;
  }
  const created = newBudgetRecord(ctx, { ...(budgetId ? { budget_id: budgetId } : {}), ...fields }, by);
  await ctx.store.insert('budgets', created);
  return created;
}

/** /budget/* as litellm/proxy/management_endpoints/budget_management_endpoints.py serves them. */
export function budgetRoutes(ctx: AdminContext): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/budget/new',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const id = str(b, 'budget_id');
        try {
          return ok(await insertBudget(ctx, id, budgetFieldsOf(b, ctx.now()), actor(caller)));
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest(`Budget id = ${id} already exists.`, 'budget_id');
          throw err;
        }
      },
    },
    {
      method: 'POST',
      path: '/budget/update',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const id = str(b, 'budget_id');
        if (!id) throw invalid('budget_id: field required', 'budget_id');
        if (!(await ctx.store.get('budgets', id))) throw notFound(`Budget id = ${id} not found`, 'budget_id');
        return ok(await upsertBudget(ctx, id, budgetFieldsOf(b, ctx.now()), actor(caller)));
      },
    },
    {
      method: 'POST',
      path: '/budget/info',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const ids = strs(body(raw), 'budgets');
        if (!ids) throw invalid('budgets: field required', 'budgets');
        return ok(await ctx.store.find<BudgetRecord>('budgets', { id: ids }));
      },
    },
    { method: 'GET', path: '/budget/list', auth: 'admin', handler: async () => ok(await ctx.store.find<BudgetRecord>('budgets')) },
    {
      method: 'POST',
      path: '/budget/delete',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const id = str(body(raw), 'id');
        if (!id) throw invalid('id: field required', 'id');
        const existing = await ctx.store.get<BudgetRecord>('budgets', id);
        if (!existing) throw notFound(`Budget id = ${id} not found`, 'id');
        await ctx.store.delete('budgets', [id]);
        ctx.invalidate('budgets', id);
        return ok(existing);
      },
    },
  ];
}

async function insertBudget(ctx: AdminContext, id: string | null, fields: Partial<BudgetRecord>, by: string): Promise<BudgetRecord> {
  const record = newBudgetRecord(ctx, { ...(id ? { budget_id: id } : {}), ...fields }, by);
  await ctx.store.insert('budgets', record);
  return record;
}
