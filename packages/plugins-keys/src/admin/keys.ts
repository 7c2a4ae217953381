import { ConflictError, forbidden, notFound, proxyError, badRequest } from '../errors.js';
import { generateKey, hashKey, keyName, toHash } from '../keygen.js';
import { pyList } from '../pyfmt.js';
import { teamRole, type Principal } from '../principal.js';
import type { KeyRecord, TeamRecord } from '../types.js';
import type { AdminContext } from './context.js';
import { ok, type AdminRoute } from './route.js';
import { actor, adminOnly, body, bool, iso, invalid, num, obj, page, present, resetAtFor, str, strs, validDuration, withPending, type Body } from './util.js';
import { durationMs } from '../duration.js';

/**
 * /key/* as litellm/proxy/management_endpoints/key_management_endpoints.py serves them:
 * request fields of GenerateKeyRequest / UpdateKeyRequest / RegenerateKeyRequest / KeyRequest
 * and responses of GenerateKeyResponse (litellm/proxy/_types.py).
 */

/** LiteLLM's default permissions of a team member ("user" role): read a team key. */
const DEFAULT_MEMBER_PERMISSIONS = ['/key/info', '/key/health'];

const UPDATABLE = [
  'key_alias', 'models', 'aliases', 'config', 'permissions', 'metadata', 'max_budget', 'soft_budget', 'budget_duration',
  'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'user_id', 'team_id', 'organization_id', 'budget_id', 'blocked',
  'allowed_cache_controls', 'allowed_routes', 'model_max_budget', 'model_rpm_limit', 'model_tpm_limit', 'guardrails',
  'policies', 'tags', 'enforced_params', 'duration', 'spend',
] as const;

/** What only a proxy admin (or, for a team key, the team's admin) may set on a key. */
const LIMIT_FIELDS = ['spend', 'max_budget', 'soft_budget', 'budget_duration', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'models', 'blocked', 'user_id', 'organization_id', 'budget_id', 'model_max_budget'];

async function assertMayChangeLimits(ctx: AdminContext, p: Principal, route: string, key: KeyRecord | null, b: Body): Promise<void> {
  if (p.isAdmin || !LIMIT_FIELDS.some((f) => b[f] !== undefined)) return;
  const t = await team(ctx, key?.team_id ?? str(b, 'team_id'));
  if (t && teamRole(p, t) === 'admin') return;
  throw adminOnly(p, route);
}

function validate(b: Body): void {
  for (const f of ['key_alias', 'user_id', 'team_id', 'organization_id', 'budget_id', 'key', 'new_key']) str(b, f);
  for (const f of ['max_budget', 'soft_budget', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'spend']) num(b, f);
  for (const f of ['models', 'allowed_cache_controls', 'allowed_routes', 'guardrails', 'policies', 'tags']) strs(b, f);
  for (const f of ['aliases', 'config', 'permissions', 'metadata', 'model_max_budget']) obj(b, f);
  bool(b, 'blocked');
  validDuration(b.budget_duration, 'budget_duration');
  validDuration(b.duration, 'duration');
}

function expiresFor(duration: unknown, now: number): string | null {
  if (typeof duration !== 'string' || !duration) return null;
  return iso(now + durationMs(duration, now)!);
}

/** Guardrails, policies, tags and per-model limits live in metadata, as LiteLLM keeps them. */
function metadataOf(b: Body, base: Record<string, unknown>): Record<string, unknown> {
  const m = { ...base, ...((b.metadata as Record<string, unknown> | null) ?? {}) };
  for (const f of ['guardrails', 'policies', 'tags', 'model_rpm_limit', 'model_tpm_limit', 'enforced_params']) if (b[f] !== undefined && b[f] !== null) m[f] = b[f];
  return m;
}

export function newKeyRecord(ctx: AdminContext, raw: string, b: Body, by: string): KeyRecord {
  const now = ctx.now();
  const budgetDuration = validDuration(b.budget_duration, 'budget_duration');
  return {
    token: hashKey(raw),
    key_name: keyName(raw),
    key_alias: str(b, 'key_alias'),
    spend: num(b, 'spend') ?? 0,
    expires: expiresFor(validDuration(b.duration, 'duration'), now),
    models: strs(b, 'models') ?? [],
    aliases: obj(b, 'aliases') ?? {},
    config: obj(b, 'config') ?? {},
    permissions: obj(b, 'permissions') ?? {},
    metadata: metadataOf(b, {}),
    user_id: str(b, 'user_id'),
    team_id: str(b, 'team_id'),
    organization_id: str(b, 'organization_id'),
    budget_id: str(b, 'budget_id'),
    max_budget: num(b, 'max_budget'),
    soft_budget: num(b, 'soft_budget'),
    budget_duration: budgetDuration,
    budget_reset_at: resetAtFor(budgetDuration, now),
    tpm_limit: num(b, 'tpm_limit'),
    rpm_limit: num(b, 'rpm_limit'),
    max_parallel_requests: num(b, 'max_parallel_requests'),
    blocked: bool(b, 'blocked'),
    allowed_cache_controls: strs(b, 'allowed_cache_controls') ?? [],
    allowed_routes: strs(b, 'allowed_routes') ?? [],
    model_spend: {},
    model_max_budget: obj(b, 'model_max_budget') ?? {},
    soft_budget_cooldown: false,
    rotation_count: 0,
    auto_rotate: bool(b, 'auto_rotate') ?? false,
    rotation_interval: str(b, 'rotation_interval'),
    last_rotation_at: null,
    created_at: iso(now),
    updated_at: iso(now),
    created_by: by,
    updated_by: by,
  };
}

/** GenerateKeyResponse: the record, the key itself (shown this once) and its hash as token_id. */
export function generateResponse(record: KeyRecord, raw: string): Record<string, unknown> {
  return { ...record, key: raw, token: raw, token_id: record.token, litellm_budget_table: null };
}

async function team(ctx: AdminContext, teamId: string | null): Promise<TeamRecord | null> {
  return teamId ? ctx.store.get<TeamRecord>('teams', teamId) : null;
}

function memberPermissionError(route: string, t: TeamRecord) {
  const allowed = t.team_member_permissions.length ? t.team_member_permissions : DEFAULT_MEMBER_PERMISSIONS;
  return proxyError(401, 'team_member_permission_error', `Team member does not have permissions for endpoint: ${route}. You only have access to the following endpoints: ${pyList(allowed)} for team ${t.team_id}. To create keys for this team, please ask your proxy admin to add you to the team with role=admin.`);
}

/** May a team admin, or a member whose team grants `route`, act on this team's keys? */
function teamAllows(p: Principal, t: TeamRecord, route: string): boolean {
  const role = teamRole(p, t);
  if (role === 'admin') return true;
  const perms = t.team_member_permissions.length ? t.team_member_permissions : DEFAULT_MEMBER_PERMISSIONS;
  return role === 'user' && perms.includes(route);
}

/**
 * Non-admins: a key of their own (user_id), or a team key when they are its team's admin or
 * the team grants the route to members (team_member_permissions).
 */
async function authorizeKeyWrite(ctx: AdminContext, p: Principal, route: string, key: KeyRecord | null, newTeamId: string | null | undefined): Promise<void> {
  if (p.isAdmin) return;
  const teams = [key?.team_id ?? null, newTeamId ?? null].filter((t, i, a): t is string => !!t && a.indexOf(t) === i);
  if (teams.length === 0) {
    if (key ? key.user_id !== null && key.user_id === p.userId : p.userId !== null) return;
    throw adminOnly(p, route);
  }
  for (const id of teams) {
    const t = await team(ctx, id);
    if (!t) throw proxyError(401, 'team_member_permission_error', `Team not found, passed team_id=${id}`);
    if (!teamAllows(p, t, route)) throw memberPermissionError(route, t);
  }
}

async function findKey(ctx: AdminContext, b: Body): Promise<{ key: KeyRecord; given: string }> {
  const given = str(b, 'key');
  const alias = str(b, 'key_alias');
  if (!given && !alias) throw invalid('either key or key_alias must be provided', 'key');
  const key = given
    ? await ctx.store.get<KeyRecord>('keys', toHash(given))
    : (await ctx.store.find<KeyRecord>('keys', { key_alias: alias }))[0] ?? null;
  if (!key) throw notFound(`Key not found. Passed key=${given ? keyName(given) : alias}`, 'key');
  return { key, given: given ?? key.token };
}

async function assertUniqueAlias(ctx: AdminContext, alias: string | null, except: string | null): Promise<void> {
  if (!alias) return;
  const same = await ctx.store.find<KeyRecord>('keys', { key_alias: alias }, { limit: 2 });
  if (same.some((k) => k.token !== except)) {
    throw badRequest(`Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`, 'key_alias');
  }
}

async function assertTeamExists(ctx: AdminContext, teamId: string | null): Promise<void> {
  if (teamId && !(await team(ctx, teamId))) throw badRequest(`Team doesn't exist in db. Team=${teamId}. Create team via \`/team/new\` call.`, 'team_id');
}

function applyUpdate(ctx: AdminContext, key: KeyRecord, b: Body, by: string): KeyRecord {
  const now = ctx.now();
  const changes = present(b, UPDATABLE);
  const next: KeyRecord = { ...key, updated_at: iso(now), updated_by: by };
  for (const [f, v] of Object.entries(changes)) {
    if (f === 'duration') next.expires = expiresFor(v, now);
    else if (f === 'budget_duration') {
      next.budget_duration = (v as string | null) ?? null;
      next.budget_reset_at = resetAtFor(next.budget_duration, now);
    } else if (['guardrails', 'policies', 'tags', 'model_rpm_limit', 'model_tpm_limit', 'enforced_params', 'metadata'].includes(f)) continue;
    else if (f !== 'spend') next[f] = v;
  }
  if (['metadata', 'guardrails', 'policies', 'tags', 'model_rpm_limit', 'model_tpm_limit', 'enforced_params'].some((f) => b[f] !== undefined)) {
    next.metadata = metadataOf(b, b.metadata === undefined ? key.metadata : {});
  }
  return next;
}

export function keyRoutes(ctx: AdminContext): AdminRoute[] {
  const info = (k: KeyRecord) => {
    const { token: _t, ...rest } = withPending(ctx, 'keys', k.token, k);
    return { ...rest, litellm_budget_table: null };
  };

  const regenerate = async (p: Principal, b: Body, keyParam?: string) => {
    validate(b);
    const { key } = await findKey(ctx, keyParam ? { ...b, key: keyParam } : b);
    await authorizeKeyWrite(ctx, p, '/key/regenerate', key, str(b, 'team_id') ?? undefined);
    await assertMayChangeLimits(ctx, p, '/key/regenerate', key, b);
    const raw = str(b, 'new_key') ?? generateKey();
    if (!raw.startsWith('sk-')) throw badRequest("New key must start with 'sk-'.", 'new_key');
    const now = ctx.now();
    const updated = applyUpdate(ctx, key, b, actor(p));
    const record: KeyRecord = {
      ...updated,
      token: hashKey(raw),
      key_name: keyName(raw),
      rotation_count: Number(key.rotation_count ?? 0) + 1,
      last_rotation_at: iso(now),
    };
    const spend = key.spend + ctx.spend.pending('keys', key.token);
    await ctx.store.insert('keys', { ...record, spend });
    await ctx.store.delete('keys', [key.token]);
    ctx.invalidate('keys', key.token);
    ctx.invalidate('keys', record.token);
    return ok(generateResponse({ ...record, spend }, raw));
  };

  return [
    {
      method: 'POST',
      path: '/key/generate',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        validate(b);
        await authorizeKeyWrite(ctx, caller, '/key/generate', null, str(b, 'team_id'));
        await assertMayChangeLimits(ctx, caller, '/key/generate', null, { spend: b.spend, blocked: b.blocked, organization_id: b.organization_id, budget_id: b.budget_id });
        // A non-admin's own key belongs to them.
        const own = !caller.isAdmin && !str(b, 'team_id') ? { user_id: str(b, 'user_id') ?? caller.userId } : {};
        if (!caller.isAdmin && own.user_id && own.user_id !== caller.userId) throw adminOnly(caller, '/key/generate');
        await assertTeamExists(ctx, str(b, 'team_id'));
        await assertUniqueAlias(ctx, str(b, 'key_alias'), null);
        const keyRaw = str(b, 'key') ?? generateKey();
        const record = newKeyRecord(ctx, keyRaw, { ...b, ...own }, actor(caller));
        try {
          await ctx.store.insert('keys', record);
        } catch (err) {
          if (err instanceof ConflictError) throw badRequest('A key with this value already exists.', 'key');
          throw err;
        }
        // A chosen key value may have been tried (and cached as unknown) before.
        ctx.invalidate('keys', record.token);
        return ok(generateResponse(record, keyRaw));
      },
    },
    {
      method: 'GET',
      path: '/key/info',
      auth: 'caller',
      handler: async ({ query, caller }) => {
        const given = query.key ?? null;
        const hash = given ? toHash(given) : caller.keyHash;
        const key = await ctx.store.get<KeyRecord>('keys', hash);
        if (!key) throw notFound('Key not found in database', 'key');
        const t = !caller.isAdmin && key.team_id ? await team(ctx, key.team_id) : null;
        const allowed = caller.isAdmin || key.token === caller.keyHash || (key.user_id !== null && key.user_id === caller.userId) || (t !== null && teamAllows(caller, t, '/key/info'));
        if (!allowed) throw forbidden(`You are not allowed to access this key's info. Your role=${caller.user?.user_role ?? 'internal_user'}`);
        return ok({ key: given ?? key.token, info: info(key) });
      },
    },
    {
      method: 'POST',
      path: '/key/update',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        validate(b);
        const { key, given } = await findKey(ctx, b);
        await authorizeKeyWrite(ctx, caller, '/key/update', key, b.team_id === undefined ? undefined : str(b, 'team_id'));
        await assertMayChangeLimits(ctx, caller, '/key/update', key, b);
        if (b.team_id !== undefined) await assertTeamExists(ctx, str(b, 'team_id'));
        if (b.key_alias !== undefined && str(b, 'key') !== null) await assertUniqueAlias(ctx, str(b, 'key_alias'), key.token);
        const next = applyUpdate(ctx, key, str(b, 'key') === null ? { ...b, key_alias: undefined } : b, actor(caller));
        await ctx.store.update('keys', next);
        if (typeof b.spend === 'number') await ctx.store.setSpend('keys', key.token, b.spend);
        ctx.invalidate('keys', key.token);
        const { token: _t, ...rest } = { ...next, spend: typeof b.spend === 'number' ? b.spend : next.spend };
        return ok({ key: given, ...rest });
      },
    },
    {
      method: 'POST',
      path: '/key/delete',
      auth: 'caller',
      handler: async ({ body: raw, caller }) => {
        const b = body(raw);
        const keys = strs(b, 'keys') ?? [];
        const aliases = strs(b, 'key_aliases') ?? [];
        if (keys.length === 0 && aliases.length === 0) throw invalid("At least one of 'keys' or 'key_aliases' must be provided.", 'keys');
        const found = [
          ...(keys.length ? await ctx.store.find<KeyRecord>('keys', { id: keys.map(toHash) }) : []),
          ...(aliases.length ? await ctx.store.find<KeyRecord>('keys', { key_alias: aliases }) : []),
        ];
        if (found.length < keys.length + aliases.length) {
          throw notFound(`Failed to delete all keys. Keys passed in=${pyList([...keys.map(keyName), ...aliases])}. Deleted keys =[]`, 'keys');
        }
        for (const k of found) await authorizeKeyWrite(ctx, caller, '/key/delete', k, undefined);
        await ctx.store.delete('keys', found.map((k) => k.token));
        for (const k of found) ctx.invalidate('keys', k.token);
        return ok({ deleted_keys: [...keys, ...aliases] });
      },
    },
    {
      method: 'GET',
      path: '/key/list',
      auth: 'caller',
      handler: async ({ query, caller }) => {
        const { page: pageNo, size } = page(query, 'size', 10);
        const where: Record<string, string> = {};
        for (const f of ['user_id', 'team_id', 'organization_id', 'key_alias'] as const) if (query[f]) where[f] = query[f]!;
        if (!caller.isAdmin) {
          if (!caller.userId) throw adminOnly(caller, '/key/list');
          if (where.user_id && where.user_id !== caller.userId) throw forbidden('Only proxy admins can list the keys of other users.');
          where.user_id = caller.userId;
        }
        const [total, keys] = await Promise.all([ctx.store.count('keys', where), ctx.store.find<KeyRecord>('keys', where, { limit: size, offset: (pageNo - 1) * size })]);
        const full = query.return_full_object === 'true';
        return ok({
          keys: full ? keys.map((k) => withPending(ctx, 'keys', k.token, k)) : keys.map((k) => k.token),
          total_count: total,
          current_page: pageNo,
          total_pages: Math.ceil(total / size),
        });
      },
    },
    { method: 'POST', path: '/key/regenerate', auth: 'caller', handler: ({ body: raw, caller }) => regenerate(caller, body(raw)) },
    { method: 'POST', path: '/key/:key/regenerate', auth: 'caller', handler: ({ body: raw, caller, params }) => regenerate(caller, body(raw), params.key) },
    ...(['block', 'unblock'] as const).map(
      (action): AdminRoute => ({
        method: 'POST',
        path: `/key/${action}`,
        auth: 'admin',
        handler: async ({ body: raw, caller }) => {
          const b = body(raw);
          const given = str(b, 'key');
          if (!given) throw invalid('key: field required', 'key');
          const key = await ctx.store.get<KeyRecord>('keys', toHash(given));
          if (!key) throw notFound('Key not found', 'key');
          const next: KeyRecord = { ...key, blocked: action === 'block', updated_at: iso(ctx.now()), updated_by: actor(caller) };
          await ctx.store.update('keys', next);
          ctx.invalidate('keys', key.token);
          return ok(next);
        },
      }),
    ),
  ];
}
