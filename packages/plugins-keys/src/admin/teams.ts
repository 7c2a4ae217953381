import { ConflictError, badRequest, forbidden, notFound, unauthorized } from '../errors.js';
import { memberId } from '../auth.js';
import { teamRole, type Principal } from '../principal.js';
import type { BudgetRecord, KeyRecord, OrganizationRecord, TeamMembershipRecord, TeamRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { addTeamMember, newBudgetRecord, parseMember, removeTeamMember, withBudgets } from './members.js';
import { ok, type AdminRoute } from './route.js';
import { actor, adminOnly, body, bool, iso, num, obj, present, required, resetAtFor, str, strs, uuid, validDuration, withPending, type Body } from './util.js';

/**
 * /team/* as litellm/proxy/management_endpoints/team_endpoints.py serves them (NewTeamRequest,
 * UpdateTeamRequest, TeamMemberAddRequest, TeamMemberDeleteRequest, TeamMemberUpdateRequest,
 * BlockTeamRequest in litellm/proxy/_types.py and litellm/models/team.py).
 */
const UPDATABLE = [
  'team_alias', 'organization_id', 'metadata', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'max_budget', 'soft_budget', 'models',
  'blocked', 'budget_duration', 'tags', 'model_aliases', 'guardrails', 'policies', 'team_member_permissions', 'team_member_budget',
  'team_member_rpm_limit', 'team_member_tpm_limit', 'team_member_key_duration', 'router_settings', 'access_group_ids', 'default_team_member_models',
] as const;

function validate(b: Body): void {
  for (const f of ['team_id', 'team_alias', 'organization_id']) str(b, f);
  for (const f of ['tpm_limit', 'rpm_limit', 'max_parallel_requests', 'max_budget', 'soft_budget', 'team_member_budget']) num(b, f);
  for (const f of ['models', 'team_member_permissions', 'guardrails', 'policies', 'tags']) strs(b, f);
  for (const f of ['metadata', 'model_aliases']) obj(b, f);
  bool(b, 'blocked');
  validDuration(b.budget_duration, 'budget_duration');
}

export const teamNotFound = (id: string) => notFound(`Team not found, passed team_id=${id}`, 'team_id');

async function getTeam(ctx: AdminContext, id: string): Promise<TeamRecord> {
  const t = await ctx.store.get<TeamRecord>('teams', id);
  if (!t) throw teamNotFound(id);
  return t;
}

/** Proxy admins, and the team's own admins, manage a team (LiteLLM's _is_user_team_admin). */
function assertTeamAdmin(p: Principal, t: TeamRecord, route: string): void {
  if (p.isAdmin || teamRole(p, t) === 'admin') return;
  throw forbidden(`Call not allowed. User not proxy admin OR team admin. route=${route}, team_id=${t.team_id}`);
}

export function teamRoutes(ctx: AdminContext): AdminRoute[] {
  const save = async (t: TeamRecord) => {
    await ctx.store.update('teams', t);
    ctx.invalidate('teams', t.team_id);
  };

  return [
    {
      method: 'POST',
      path: '/team/new',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        validate(b);
        const now = ctx.now();
        const orgId = str(b, 'organization_id');
        if (orgId && !(await ctx.store.get<OrganizationRecord>('organizations', orgId))) {
          throw badRequest(`Organization doesn't exist in db. Organization=${orgId}. Create organization via \`/organization/new\` call.`, 'organization_id');
        }
        const budgetDuration = validDuration(b.budget_duration, 'budget_duration');
        const team: TeamRecord = {
          team_id: str(b, 'team_id') ?? uuid(),
          team_alias: str(b, 'team_alias'),
          organization_id: orgId,
          admins: [],
          members: [],
          members_with_roles: [],
          team_member_permissions: strs(b, 'team_member_permissions') ?? [],
          metadata: { ...(obj(b, 'metadata') ?? {}), ...(b.guardrails ? { guardrails: b.guardrails } : {}), ...(b.tags ? { tags: b.tags } : {}) },
          models: strs(b, 'models') ?? [],
          spend: 0,
          max_budget: num(b, 'max_budget'),
          soft_budget: num(b, 'soft_budget'),
          budget_duration: budgetDuration,
          budget_reset_at: resetAtFor(budgetDuration, now),
          tpm_limit: num(b, 'tpm_limit'),
          rpm_limit: num(b, 'rpm_limit'),
          max_parallel_requests: num(b, 'max_parallel_requests'),
          blocked: bool(b, 'blocked') ?? false,
          model_aliases: obj(b, 'model_aliases'),
          model_spend: {},
          model_max_budget: {},
          policies: strs(b, 'policies') ?? [],
          created_at: iso(now),
          updated_at: iso(now),
        };
        try {
          await ctx.store.insert('teams', team);
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest(`Team id = ${team.team_id} already exists. Please use a different team id.`, 'team_id');
          throw err;
        }
        // The creator administers the team (LiteLLM adds the calling user as an admin member).
        const members = ((b.members_with_roles as unknown[] | undefined) ?? []).map((m) => parseMember(m));
        const by = actor(caller);
        if (caller.userId && !members.some((m) => m.user_id === caller.userId)) team.members_with_roles.push({ user_id: caller.userId, user_email: null, role: 'admin' });
        for (const m of members) await addTeamMember(ctx, team, m, null, by);
        await save(team);
        return ok(team);
      },
    },
    {
      method: 'POST',
      path: '/team/update',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        validate(b);
        const t = await getTeam(ctx, required(b, 'team_id'));
        assertTeamAdmin(caller, t, '/team/update');
        const changes = present(b, UPDATABLE);
        if (!caller.isAdmin && ['max_budget', 'models', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'organization_id', 'blocked'].some((f) => f in changes)) {
          throw adminOnly(caller, '/team/update');
        }
        const next: TeamRecord = { ...t, ...changes, updated_at: iso(ctx.now()) } as TeamRecord;
        if ('budget_duration' in changes) next.budget_reset_at = resetAtFor(next.budget_duration, ctx.now());
        await save(next);
        return ok({ team_id: t.team_id, data: withPending(ctx, 'teams', t.team_id, next) });
      },
    },
    {
      method: 'POST',
      path: '/team/delete',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const ids = strs(body(raw), 'team_ids');
        if (!ids) throw badRequest('team_ids: field required', 'team_ids');
        const teams: TeamRecord[] = [];
        for (const id of ids) teams.push(await getTeam(ctx, id));
        for (const t of teams) {
          for (const m of t.members_with_roles) if (m.user_id) await removeTeamMember(ctx, t, m.user_id);
          // LiteLLM deletes a deleted team's keys with it.
          const keys = await ctx.store.find<KeyRecord>('keys', { team_id: t.team_id });
          await ctx.store.delete('keys', keys.map((k) => k.token));
          for (const k of keys) ctx.invalidate('keys', k.token);
          await ctx.store.delete('team_members', (await ctx.store.find<TeamMembershipRecord>('team_members', { team_id: t.team_id })).map((m) => memberId(m.team_id, m.user_id)));
        }
        await ctx.store.delete('teams', ids);
        for (const id of ids) ctx.invalidate('teams', id);
        return ok({ deleted_teams: ids });
      },
    },
    {
      method: 'GET',
      path: '/team/info',
      auth: 'caller',
      handler: async ({ query, caller }) => {
        const id = query.team_id ?? caller.key?.team_id;
        if (!id) throw badRequest('Malformed request. No team id passed in.', 'team_id');
        const t = await getTeam(ctx, id);
        if (!caller.isAdmin && caller.key?.team_id !== t.team_id && teamRole(caller, t) === null) {
          throw unauthorized(`key not allowed to access this team's info. Key team_id=${caller.key?.team_id ?? 'None'}, Requested team_id=${t.team_id}`);
        }
        const [keys, memberships] = await Promise.all([
          ctx.store.find<KeyRecord>('keys', { team_id: t.team_id }),
          ctx.store.find<TeamMembershipRecord>('team_members', { team_id: t.team_id }),
        ]);
        return ok({
          team_id: t.team_id,
          team_info: withPending(ctx, 'teams', t.team_id, t),
          keys: keys.map((k) => withPending(ctx, 'keys', k.token, k)),
          team_memberships: await withBudgets(ctx, memberships.map((m) => withPending(ctx, 'team_members', memberId(m.team_id, m.user_id), m))),
        });
      },
    },
    {
      method: 'GET',
      path: '/team/list',
      auth: 'caller',
      handler: async ({ query, caller }) => {
        const where: Record<string, string> = {};
        if (query.organization_id) where.organization_id = query.organization_id;
        let teams = await ctx.store.find<TeamRecord>('teams', where);
        const userId = caller.isAdmin ? query.user_id : caller.userId;
        if (!caller.isAdmin && !userId) throw adminOnly(caller, '/team/list');
        if (userId) teams = teams.filter((t) => t.members_with_roles.some((m) => m.user_id === userId));
        return ok(teams.map((t) => withPending(ctx, 'teams', t.team_id, t)));
      },
    },
    {
      method: 'POST',
      path: '/team/member_add',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const t = await getTeam(ctx, required(b, 'team_id'));
        assertTeamAdmin(caller, t, '/team/member_add');
        const members = (Array.isArray(b.member) ? b.member : [b.member]).map((m) => parseMember(m));
        const maxBudget = num(b, 'max_budget_in_team');
        const updated_users = [];
        const updated_team_memberships = [];
        for (const m of members) {
          const { user, membership } = await addTeamMember(ctx, t, m, maxBudget, actor(caller));
          updated_users.push(user);
          updated_team_memberships.push(membership);
        }
        await save(t);
        return ok({ ...t, updated_users, updated_team_memberships });
      },
    },
    {
      method: 'POST',
      path: '/team/member_delete',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const t = await getTeam(ctx, required(b, 'team_id'));
        assertTeamAdmin(caller, t, '/team/member_delete');
        const user = await findMember(ctx, t, b);
        await removeTeamMember(ctx, t, user);
        await save(t);
        return ok(t);
      },
    },
    {
      method: 'POST',
      path: '/team/member_update',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const t = await getTeam(ctx, required(b, 'team_id'));
        assertTeamAdmin(caller, t, '/team/member_update');
        const userId = await findMember(ctx, t, b);
        const role = str(b, 'role');
        if (role !== null) {
          if (role !== 'admin' && role !== 'user') throw badRequest('role: must be one of admin, user', 'role');
          t.members_with_roles = t.members_with_roles.map((m) => (m.user_id === userId ? { ...m, role } : m));
          await save(t);
        }
        const id = memberId(t.team_id, userId);
        const membership = (await ctx.store.get<TeamMembershipRecord>('team_members', id)) ?? { team_id: t.team_id, user_id: userId, spend: 0, budget_id: null };
        const limits = { max_budget: num(b, 'max_budget_in_team'), tpm_limit: num(b, 'tpm_limit'), rpm_limit: num(b, 'rpm_limit') };
        const set = Object.fromEntries(Object.entries(limits).filter(([f]) => b[f === 'max_budget' ? 'max_budget_in_team' : f] !== undefined));
        if (Object.keys(set).length) {
          const existing = membership.budget_id ? await ctx.store.get<BudgetRecord>('budgets', membership.budget_id) : null;
          if (existing) {
            await ctx.store.update('budgets', { ...existing, ...set, updated_at: iso(ctx.now()), updated_by: actor(caller) });
            ctx.invalidate('budgets', existing.budget_id);
          } else {
            const budget = newBudgetRecord(ctx, set, actor(caller));
            await ctx.store.insert('budgets', budget);
            membership.budget_id = budget.budget_id;
          }
          if (!(await ctx.store.update('team_members', membership))) await ctx.store.insert('team_members', membership);
          ctx.invalidate('team_members', id);
        }
        const member = t.members_with_roles.find((m) => m.user_id === userId);
        return ok({
          team_id: t.team_id,
          user_id: userId,
          user_email: member?.user_email ?? null,
          max_budget_in_team: limits.max_budget,
          tpm_limit: limits.tpm_limit,
          rpm_limit: limits.rpm_limit,
        });
      },
    },
    ...(['block', 'unblock'] as const).map(
      (action): AdminRoute => ({
        method: 'POST',
        path: `/team/${action}`,
        auth: 'admin',
        handler: async ({ body: raw }) => {
          const t = await getTeam(ctx, required(body(raw), 'team_id'));
          const next = { ...t, blocked: action === 'block', updated_at: iso(ctx.now()) };
          await save(next);
          return ok(next);
        },
      }),
    ),
  ];
}

/** The member a body names by user_id or user_email; 400 when they are not in the team. */
async function findMember(ctx: AdminContext, t: TeamRecord, b: Body): Promise<string> {
  const userId = str(b, 'user_id');
  const email = str(b, 'user_email');
  if (!userId && !email) throw badRequest('Either user_id or user_email must be provided', 'user_id');
  const m = t.members_with_roles.find((x) => (userId ? x.user_id === userId : x.user_email === email));
  if (m?.user_id) return m.user_id;
  if (email && !userId) {
    const user = await resolveUserByEmail(ctx, email);
    if (user && t.members_with_roles.some((x) => x.user_id === user)) return user;
  }
  throw badRequest(`User not found in team. user_id=${userId ?? 'None'}, user_email=${email ?? 'None'}, team_id=${t.team_id}`, 'user_id');
}

async function resolveUserByEmail(ctx: AdminContext, email: string): Promise<string | null> {
  const users = await ctx.store.find<{ user_id: string }>('users', { user_email: email }, { limit: 1 });
  return users[0]?.user_id ?? null;
}

