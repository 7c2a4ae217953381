import { memberId } from '../auth.js';
import { badRequest } from '../errors.js';
import type { BudgetRecord, Member, TeamMembershipRecord, TeamRecord, UserRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { iso, uuid, type Body } from './util.js';

/** A new LiteLLM_UserTable row with LiteLLM's defaults. */
export function newUserRecord(ctx: AdminContext, fields: Partial<UserRecord> & { user_id: string }): UserRecord {
  const now = iso(ctx.now());
  return {
    user_alias: null,
    user_email: null,
    user_role: 'internal_user',
    teams: [],
    models: [],
    metadata: {},
    spend: 0,
    organization_id: null,
    max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    model_spend: {},
    model_max_budget: {},
    created_at: now,
    updated_at: now,
    ...fields,
  };
}

export function newBudgetRecord(ctx: AdminContext, fields: Partial<BudgetRecord>, by: string): BudgetRecord {
  const now = iso(ctx.now());
  return {
    budget_id: uuid(),
    max_budget: null,
    soft_budget: null,
    max_parallel_requests: null,
    tpm_limit: null,
    rpm_limit: null,
    model_max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    created_at: now,
    created_by: by,
    updated_at: now,
    updated_by: by,
    ...fields,
  };
}

/** Parse a Member ({user_id | user_email, role}) as litellm/models/team.py validates it. */
export function parseMember(raw: unknown, roles: readonly string[] = ['admin', 'user']): Member {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('member: input needs to be a dictionary', 'member');
  const m = raw as Body;
  const user_id = typeof m.user_id === 'string' ? m.user_id : null;
  const user_email = typeof m.user_email === 'string' ? m.user_email : null;
  if (!user_id && !user_email) throw badRequest('Either user id or user email must be provided', 'member');
  const role = m.role ?? 'user';
  if (typeof role !== 'string' || !roles.includes(role)) throw badRequest(`member.role: must be one of ${roles.join(', ')}`, 'member');
  return { user_id, user_email, role: role as Member['role'] };
}

/** The user a member names: by id, else by email; created when missing (as LiteLLM's team_member_add does). */
export async function resolveUser(ctx: AdminContext, m: { user_id: string | null; user_email: string | null }): Promise<UserRecord> {
  let user = m.user_id ? await ctx.store.get<UserRecord>('users', m.user_id) : null;
  if (!user && m.user_email) user = (await ctx.store.find<UserRecord>('users', { user_email: m.user_email }, { limit: 1 }))[0] ?? null;
  if (user) return user;
  const created = newUserRecord(ctx, { user_id: m.user_id ?? uuid(), user_email: m.user_email });
  await ctx.store.insert('users', created);
  return created;
}

/**
 * Adds a user to a team: the team's members_with_roles, the user's `teams`, and a
 * LiteLLM_TeamMembership row (with a budget row when `maxBudgetInTeam` is set).
 */
export async function addTeamMember(
  ctx: AdminContext,
  team: TeamRecord,
  member: Member,
  maxBudgetInTeam: number | null,
  by: string,
): Promise<{ user: UserRecord; membership: TeamMembershipRecord & { litellm_budget_table: BudgetRecord | null } }> {
  const user = await resolveUser(ctx, member);
  if (team.members_with_roles.some((x) => x.user_id === user.user_id)) {
    throw badRequest(`User already in team. Member: user_id=${user.user_id}, user_email=${user.user_email ?? 'None'}`, 'member');
  }
  team.members_with_roles.push({ user_id: user.user_id, user_email: user.user_email ?? member.user_email, role: member.role });
  if (!user.teams.includes(team.team_id)) {
    user.teams = [...user.teams, team.team_id];
    await ctx.store.update('users', user);
    ctx.invalidate('users', user.user_id);
  }
  let budget: BudgetRecord | null = null;
  if (maxBudgetInTeam !== null) {
    budget = newBudgetRecord(ctx, { max_budget: maxBudgetInTeam }, by);
    await ctx.store.insert('budgets', budget);
  }
  const membership = { team_id: team.team_id, user_id: user.user_id, spend: 0, budget_id: budget?.budget_id ?? null };
  await ctx.store.delete('team_members', [memberId(team.team_id, user.user_id)]);
  await ctx.store.insert('team_members', membership);
  ctx.invalidate('team_members', memberId(team.team_id, user.user_id));
  return { user, membership: { ...membership, litellm_budget_table: budget } };
}

/** Removes a user from a team (members_with_roles, the user's teams, the membership row). */
export async function removeTeamMember(ctx: AdminContext, team: TeamRecord, userId: string): Promise<void> {
  team.members_with_roles = team.members_with_roles.filter((m) => m.user_id !== userId);
  const user = await ctx.store.get<UserRecord>('users', userId);
  if (user) {
    user.teams = user.teams.filter((t) => t !== team.team_id);
    await ctx.store.update('users', user);
    ctx.invalidate('users', userId);
  }
  await ctx.store.delete('team_members', [memberId(team.team_id, userId)]);
  ctx.invalidate('team_members', memberId(team.team_id, userId));
}

/** Membership rows with their budget row attached (litellm_budget_table). */
export async function withBudgets<T extends { budget_id: string | null }>(ctx: AdminContext, rows: T[]): Promise<Array<T & { litellm_budget_table: BudgetRecord | null }>> {
  const ids = [...new Set(rows.map((r) => r.budget_id).filter((b): b is string => !!b))];
  const budgets = ids.length ? await ctx.store.find<BudgetRecord>('budgets', { id: ids }) : [];
  const byId = new Map(budgets.map((b) => [b.budget_id, b]));
  return rows.map((r) => ({ ...r, litellm_budget_table: (r.budget_id && byId.get(r.budget_id)) || null }));
}
