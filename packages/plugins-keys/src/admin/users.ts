import { memberId } from '../auth.js';
import { ConflictError, badRequest, forbidden, notFound } from '../errors.js';
import { generateKey } from '../keygen.js';
import type { KeyRecord, TeamMembershipRecord, TeamRecord, UserRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { generateResponse, newKeyRecord } from './keys.js';
import { addTeamMember, newUserRecord, removeTeamMember, withBudgets } from './members.js';
import { ok, type AdminRoute } from './route.js';
import { actor, body, bool, invalid, iso, num, obj, page, present, resetAtFor, str, strs, uuid, validDuration, withPending, type Body } from './util.js';

/**
 * /user/* as litellm/proxy/management_endpoints/internal_user_endpoints.py serves them
 * (NewUserRequest, NewUserResponse, UpdateUserRequest, DeleteUserRequest in _types.py).
 */
const ROLES = ['proxy_admin', 'proxy_admin_viewer', 'internal_user', 'internal_user_viewer'];
const UPDATABLE = ['user_alias', 'user_email', 'user_role', 'models', 'metadata', 'max_budget', 'budget_duration', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'organization_id'] as const;

function validate(b: Body): void {
  for (const f of ['user_id', 'user_email', 'user_alias', 'team_id']) str(b, f);
  for (const f of ['max_budget', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'spend']) num(b, f);
  strs(b, 'models');
  obj(b, 'metadata');
  validDuration(b.budget_duration, 'budget_duration');
  const role = str(b, 'user_role');
  if (role !== null && !ROLES.includes(role)) throw invalid(`user_role: must be one of ${ROLES.join(', ')}`, 'user_role');
}

export function userRoutes(ctx: AdminContext): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/user/new',
      auth: 'admin',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        validate(b);
        const now = ctx.now();
        const email = str(b, 'user_email');
        if (email && (await ctx.store.count('users', { user_email: email })) > 0) throw badRequest(`User with email ${email} already exists`, 'user_email');
        const budgetDuration = validDuration(b.budget_duration, 'budget_duration');
        const user = newUserRecord(ctx, {
          user_id: str(b, 'user_id') ?? uuid(),
          user_email: email,
          user_alias: str(b, 'user_alias'),
          user_role: str(b, 'user_role') ?? 'internal_user',
          models: strs(b, 'models') ?? [],
          metadata: obj(b, 'metadata') ?? {},
          max_budget: num(b, 'max_budget'),
          budget_duration: budgetDuration,
          budget_reset_at: resetAtFor(budgetDuration, now),
          tpm_limit: num(b, 'tpm_limit'),
          rpm_limit: num(b, 'rpm_limit'),
          max_parallel_requests: num(b, 'max_parallel_requests'),
          organization_id: str(b, 'organization_id'),
        });
        try {
          await ctx.store.insert('users', user);
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest(`User with id ${user.user_id} already exists`, 'user_id');
          throw err;
        }
        const by = actor(caller);
        const teams = [...(b.team_id ? [{ team_id: str(b, 'team_id')! }] : []), ...((b.teams as unknown[] | undefined) ?? []).map((t) => (typeof t === 'string' ? { team_id: t } : (t as Body)))];
        for (const t of teams) {
          const team = await ctx.store.get<TeamRecord>('teams', String(t.team_id));
          if (!team) throw badRequest(`Team doesn't exist in db. Team=${String(t.team_id)}. Create team via \`/team/new\` call.`, 'team_id');
          const role = t.user_role === 'admin' ? 'admin' : 'user';
          await addTeamMember(ctx, team, { user_id: user.user_id, user_email: user.user_email, role }, typeof t.max_budget_in_team === 'number' ? t.max_budget_in_team : null, by);
          await ctx.store.update('teams', team);
          ctx.invalidate('teams', team.team_id);
        }
        const saved = (await ctx.store.get<UserRecord>('users', user.user_id))!;
        let keyPart: Record<string, unknown> = { key: null };
        if (bool(b, 'auto_create_key') !== false) {
          // The user's key: the user's models, no key budget of its own (generate_key_helper_fn).
          const rawKey = generateKey();
          const keyBody: Body = { ...present(b, ['key_alias', 'duration', 'metadata', 'aliases', 'config', 'permissions', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'models']), user_id: user.user_id, team_id: str(b, 'team_id') };
          const record = newKeyRecord(ctx, rawKey, keyBody, by);
          await ctx.store.insert('keys', record);
          keyPart = generateResponse(record, rawKey);
        }
        return ok({ ...keyPart, ...saved, max_budget: saved.max_budget, budget_duration: saved.budget_duration });
      },
    },
    {
      method: 'POST',
      path: '/user/update',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const b = body(raw);
        validate(b);
        const userId = str(b, 'user_id');
        const email = str(b, 'user_email');
        if (!userId && !email) throw invalid('Either user id or user email must be provided', 'user_id');
        const user = userId ? await ctx.store.get<UserRecord>('users', userId) : ((await ctx.store.find<UserRecord>('users', { user_email: email }, { limit: 1 }))[0] ?? null);
        if (!user) throw notFound(`User not found, passed user_id=${userId ?? 'None'}, user_email=${email ?? 'None'}`, 'user_id');
        const changes = present(b, UPDATABLE);
        const next = { ...user, ...changes, updated_at: iso(ctx.now()) } as UserRecord;
        if ('budget_duration' in changes) next.budget_reset_at = resetAtFor(next.budget_duration, ctx.now());
        await ctx.store.update('users', next);
        if (typeof b.spend === 'number') {
          await ctx.store.setSpend('users', user.user_id, b.spend);
          next.spend = b.spend;
        }
        ctx.invalidate('users', user.user_id);
        return ok({ user_id: user.user_id, data: next });
      },
    },
    {
      method: 'POST',
      path: '/user/delete',
      auth: 'admin',
      handler: async ({ body: raw }) => {
        const ids = strs(body(raw), 'user_ids');
        if (!ids) throw invalid('user_ids: field required', 'user_ids');
        for (const id of ids) {
          const user = await ctx.store.get<UserRecord>('users', id);
          if (!user) throw notFound(`User not found, passed user_id=${id}`, 'user_ids');
          for (const teamId of user.teams) {
            const team = await ctx.store.get<TeamRecord>('teams', teamId);
            if (!team) continue;
            await removeTeamMember(ctx, team, id);
            await ctx.store.update('teams', team);
            ctx.invalidate('teams', teamId);
          }
          // LiteLLM deletes a deleted user's keys.
          const keys = await ctx.store.find<KeyRecord>('keys', { user_id: id });
          await ctx.store.delete('keys', keys.map((k) => k.token));
          for (const k of keys) ctx.invalidate('keys', k.token);
        }
        await ctx.store.delete('users', ids);
        for (const id of ids) ctx.invalidate('users', id);
        return ok({ deleted_users: ids });
      },
    },
    {
      method: 'GET',
      path: '/user/info',
      auth: 'caller',
      handler: async ({ query, caller }) => {
        const userId = query.user_id ?? caller.userId;
        if (!userId) throw invalid('user_id: query parameter required', 'user_id');
        if (!caller.isAdmin && userId !== caller.userId) {
          throw forbidden(`User=${caller.userId ?? 'None'} is not allowed to access the info of user=${userId}. Only proxy admins can.`);
        }
        const user = await ctx.store.get<UserRecord>('users', userId);
        if (!user) throw notFound(`User ${userId} not found`, 'user_id');
        const keys = await ctx.store.find<KeyRecord>('keys', { user_id: userId });
        const teamIds = user?.teams ?? [];
        const teams = teamIds.length ? await ctx.store.find<TeamRecord>('teams', { id: teamIds }) : [];
        const memberships = await withBudgets(ctx, await ctx.store.find<TeamMembershipRecord>('team_members', { user_id: userId }));
        return ok({
          user_id: userId,
          user_info: user ? withPending(ctx, 'users', userId, user) : null,
          keys: keys.map((k) => withPending(ctx, 'keys', k.token, k)),
          teams: teams.map((t) => ({
            ...withPending(ctx, 'teams', t.team_id, t),
            team_memberships: memberships.filter((m) => m.team_id === t.team_id).map((m) => withPending(ctx, 'team_members', memberId(m.team_id, m.user_id), m)),
          })),
        });
      },
    },
    {
      method: 'GET',
      path: '/user/list',
      auth: 'admin',
      handler: async ({ query }) => {
        const { page: pageNo, size } = page(query, 'page_size', 25);
        let users = await ctx.store.find<UserRecord>('users');
        if (query.role) users = users.filter((u) => u.user_role === query.role);
        if (query.user_ids) {
          const ids = new Set(query.user_ids.split(','));
          users = users.filter((u) => ids.has(u.user_id));
        }
        const total = users.length;
        return ok({
          users: users.slice((pageNo - 1) * size, pageNo * size).map((u) => withPending(ctx, 'users', u.user_id, u)),
          total,
          page: pageNo,
          page_size: size,
          total_pages: Math.ceil(total / size),
        });
      },
    },
  ];
}
