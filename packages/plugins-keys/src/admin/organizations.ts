import { ConflictError, badRequest, notFound } from '../errors.js';
import type { BudgetRecord, OrgMembershipRecord, OrganizationRecord, TeamRecord, UserRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { budgetFieldsOf, upsertBudget } from './budgets.js';
import { resolveUser, withBudgets } from './members.js';
import { ok, type AdminRoute } from './route.js';
import { actor, body, invalid, iso, num, obj, required, str, strs, uuid, withPending, type Body } from './util.js';

/**
 * /organization/* as litellm/proxy/management_endpoints/organization_endpoints.py serves them
 * (NewOrganizationRequest, UpdateOrganizationRequest, DeleteOrganizationRequest,
 * OrganizationMemberAddRequest). Every organization has a budget row for its limits.
 */
const ORG_ROLES = ['org_admin', 'internal_user', 'internal_user_viewer'];

export function organizationRoutes(ctx: AdminContext): AdminRoute[] {
  const get = async (id: string) => {
    const o = await ctx.store.get<OrganizationRecord>('organizations', id);
    if (!o) throw notFound(`Organization=${id} not found`, 'organization_id');
    return o;
  };
  const full = async (o: OrganizationRecord) => ({
    ...withPending(ctx, 'organizations', o.organization_id, o),
    litellm_budget_table: await ctx.store.get<BudgetRecord>('budgets', o.budget_id),
  });

  const update = async ({ body: raw, caller }: { body: unknown; caller: import('../principal.js').Principal }) => {
    const b = body(raw);
    const o = await get(required(b, 'organization_id'));
    const next: OrganizationRecord = { ...o, updated_at: iso(ctx.now()), updated_by: actor(caller) };
    if (b.organization_alias !== undefined) next.organization_alias = required(b, 'organization_alias');
    if (b.models !== undefined) next.models = strs(b, 'models') ?? [];
    if (b.metadata !== undefined) next.metadata = obj(b, 'metadata') ?? {};
    await upsertBudget(ctx, o.budget_id, budgetFieldsOf(b, ctx.now()), actor(caller));
    await ctx.store.update('organizations', next);
    ctx.invalidate('organizations', o.organization_id);
    return ok(await full(next));
  };

  const remove = async ({ body: raw }: { body: unknown }) => {
    const ids = strs(body(raw), 'organization_ids');
    if (!ids) throw invalid('organization_ids: field required', 'organization_ids');
    const orgs: OrganizationRecord[] = [];
    for (const id of ids) orgs.push(await get(id));
    await ctx.store.delete('organizations', ids);
    for (const id of ids) ctx.invalidate('organizations', id);
    return ok(orgs);
  };

  const list = async () => ok(await Promise.all((await ctx.store.find<OrganizationRecord>('organizations')).map(full)));

  return [
    {
      method: 'POST',
      path: '/organization/new',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const alias = required(b, 'organization_alias');
        const by = actor(caller);
        let budgetId = str(b, 'budget_id');
        if (budgetId && !(await ctx.store.get('budgets', budgetId))) throw badRequest(`Budget id = ${budgetId} does not exist`, 'budget_id');
        if (!budgetId) budgetId = (await upsertBudget(ctx, null, budgetFieldsOf(b, ctx.now()), by)).budget_id;
        const now = iso(ctx.now());
        const org: OrganizationRecord = {
          organization_id: str(b, 'organization_id') ?? uuid(),
          organization_alias: alias,
          budget_id: budgetId,
          metadata: obj(b, 'metadata') ?? {},
          models: strs(b, 'models') ?? [],
          spend: 0,
          model_spend: {},
          created_at: now,
          created_by: by,
          updated_at: now,
          updated_by: by,
        };
        try {
          await ctx.store.insert('organizations', org);
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest(`Organization id = ${org.organization_id} already exists.`, 'organization_id');
          throw err;
        }
        return ok(await full(org));
      },
    },
    { method: 'PATCH', path: '/organization/update', auth: 'admin', handler: update },
    { method: 'POST', path: '/organization/update', auth: 'admin', handler: update },
    { method: 'DELETE', path: '/organization/delete', auth: 'admin', handler: remove },
    { method: 'POST', path: '/organization/delete', auth: 'admin', handler: remove },
    { method: 'GET', path: '/organization/list', auth: 'admin', handler: list },
    { method: 'POST', path: '/organization/list', auth: 'admin', handler: list },
    {
      method: 'GET',
      path: '/organization/info',
      auth: 'admin',
      handler: async ({ query }) => {
        const id = query.organization_id;
        if (!id) throw invalid('organization_id: query parameter required', 'organization_id');
        const o = await get(id);
        const [members, teams] = await Promise.all([
          ctx.store.find<OrgMembershipRecord>('org_members', { organization_id: id }),
          ctx.store.find<TeamRecord>('teams', { organization_id: id }),
        ]);
        return ok({ ...(await full(o)), members: await withBudgets(ctx, members), teams });
      },
    },
    {
      method: 'POST',
      path: '/organization/member_add',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const o = await get(required(b, 'organization_id'));
        const maxBudget = num(b, 'max_budget_in_organization');
        const updated_users: UserRecord[] = [];
        const updated_organization_memberships: OrgMembershipRecord[] = [];
        for (const m of (Array.isArray(b.member) ? b.member : [b.member]) as Body[]) {
          if (!m || typeof m !== 'object') throw badRequest('member: input needs to be a dictionary', 'member');
          const role = typeof m.role === 'string' ? m.role : 'internal_user';
          if (!ORG_ROLES.includes(role)) throw badRequest(`member.role: must be one of ${ORG_ROLES.join(', ')}`, 'member');
          const userId = typeof m.user_id === 'string' ? m.user_id : null;
          const email = typeof m.user_email === 'string' ? m.user_email : null;
          if (!userId && !email) throw badRequest('Either user id or user email must be provided', 'member');
          const user = await resolveUser(ctx, { user_id: userId, user_email: email });
          const next: UserRecord = { ...user, organization_id: user.organization_id ?? o.organization_id };
          await ctx.store.update('users', next);
          ctx.invalidate('users', user.user_id);
          const budgetId = maxBudget !== null ? (await upsertBudget(ctx, null, { max_budget: maxBudget }, actor(caller))).budget_id : null;
          const now = iso(ctx.now());
          const membership: OrgMembershipRecord = { organization_id: o.organization_id, user_id: user.user_id, user_role: role, spend: 0, budget_id: budgetId, created_at: now, updated_at: now };
          await ctx.store.delete('org_members', [`${o.organization_id}\n${user.user_id}`]);
          await ctx.store.insert('org_members', membership);
          updated_users.push(next);
          updated_organization_memberships.push(membership);
        }
        return ok({ organization_id: o.organization_id, updated_users, updated_organization_memberships });
      },
    },
  ];
}
