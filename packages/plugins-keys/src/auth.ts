import { createHash, timingSafeEqual } from 'node:crypto';
import type { RecordCache } from './cache.js';
import { unauthorized, proxyError } from './errors.js';
import { hashKey, keyName } from './keygen.js';
import { MASTER_USER_ID, PROXY_ADMIN, type Principal } from './principal.js';
import type { BudgetRecord, KeyRecord, OrganizationRecord, TeamMembershipRecord, TeamRecord, UserRecord } from './types.js';

export interface Caches {
  keys: RecordCache<KeyRecord>;
  users: RecordCache<UserRecord>;
  teams: RecordCache<TeamRecord>;
  organizations: RecordCache<OrganizationRecord>;
  budgets: RecordCache<BudgetRecord>;
  members: RecordCache<TeamMembershipRecord>;
}

export const memberId = (teamId: string, userId: string) => `${teamId}\n${userId}`;

/**
 * Turns a presented key into a Principal from cached records; the store is read only on a
 * cache miss. Refusals carry LiteLLM's messages (litellm/proxy/auth/user_api_key_auth.py):
 * 401 `auth_error`, or `expired_key` for an expired key.
 */
export class Authenticator {
  private readonly master: Buffer | null;
  private readonly masterHash: string | null;
  private readonly principals = new WeakMap<KeyRecord, Principal>();
  private masterP: Principal | null = null;

  constructor(private readonly caches: Caches, masterKey: string | undefined, private readonly now: () => number = Date.now) {
    this.master = masterKey ? createHash('sha256').update(masterKey).digest() : null;
    this.masterHash = masterKey ? hashKey(masterKey) : null;
  }

  /** `digest`: the key's sha256 when the caller already has it (the core computes it for its master-key check). */
  async authenticate(presented: string | undefined | null, known?: Buffer): Promise<Principal> {
    if (!presented) throw unauthorized('Authentication Error, No api key passed in.');
    const digest = known ?? createHash('sha256').update(presented).digest();
    if (this.master && timingSafeEqual(digest, this.master)) return this.masterPrincipal();
    if (!presented.startsWith('sk-')) {
      throw unauthorized(`Authentication Error, LiteLLM Virtual Key expected. Received=${keyName(presented)}, expected to start with 'sk-'.`);
    }
    const hash = digest.toString('hex');
    const cached = this.caches.keys.peek(hash);
    if (cached) {
      this.refuseUnusable(cached);
      const fast = this.resolveCached(cached);
      if (fast) return fast;
    }
    const key = cached === undefined ? await this.caches.keys.get(hash) : cached;
    if (!key) {
      throw unauthorized(`Authentication Error, Invalid proxy server token passed. Received API Key = ${keyName(presented)}, Key Hash (Token) =${hash}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``, 'token_not_found_in_db', 'key');
    }
    return this.principalOf(key);
  }

  /** The key's record when it may be used now; null when unknown, blocked or expired. */
  async verify(presented: string): Promise<KeyRecord | null> {
    try {
      const p = await this.authenticate(presented);
      return p.key;
    } catch (err) {
      if ((err as { status?: number }).status === 401) return null;
      throw err;
    }
  }

  private refuseUnusable(key: KeyRecord): void {
    if (key.blocked === true) throw unauthorized("Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.");
    if (key.expires && Date.parse(key.expires) < this.now()) {
      throw proxyError(401, 'expired_key', `Authentication Error - Expired Key. Key Expiry time ${key.expires} and current time ${new Date(this.now()).toISOString()}`, 'key', 'auth');
    }
  }

  /** The hot path: every record the key needs is cached and fresh, so no await. Undefined otherwise. */
  private resolveCached(key: KeyRecord): Principal | undefined {
    const c = this.caches;
    const user = key.user_id ? c.users.peek(key.user_id) : null;
    const team = key.team_id ? c.teams.peek(key.team_id) : null;
    if (user === undefined || team === undefined) return undefined;
    const orgId = key.organization_id ?? team?.organization_id ?? null;
    const membership = team && key.user_id ? c.members.peek(memberId(team.team_id, key.user_id)) : null;
    const organization = orgId ? c.organizations.peek(orgId) : null;
    if (membership === undefined || organization === undefined) return undefined;
    const membershipBudget = membership?.budget_id ? c.budgets.peek(membership.budget_id) : null;
    const organizationBudget = organization?.budget_id ? c.budgets.peek(organization.budget_id) : null;
    if (membershipBudget === undefined || organizationBudget === undefined) return undefined;
    if (team?.blocked) return undefined;
    return this.principal(key, user, team, membership, membershipBudget, organization, organizationBudget);
  }

  /**
   * The same Principal object while the key's records are the same cached objects, so what is
   * derived from a principal (its limit scopes, a gateway's Caller) is built once per set of records.
   */
  private principal(key: KeyRecord, user: UserRecord | null, team: TeamRecord | null, membership: TeamMembershipRecord | null, membershipBudget: BudgetRecord | null, organization: OrganizationRecord | null, organizationBudget: BudgetRecord | null): Principal {
    const known = this.principals.get(key);
    if (known && known.user === user && known.team === team && known.membership === membership && known.membershipBudget === membershipBudget && known.organization === organization && known.organizationBudget === organizationBudget) return known;
    const p: Principal = { isMaster: false, isAdmin: user?.user_role === PROXY_ADMIN, keyHash: key.token, key, userId: key.user_id, user, team, membership, membershipBudget, organization, organizationBudget };
    this.principals.set(key, p);
    return p;
  }

  async principalOf(key: KeyRecord): Promise<Principal> {
    this.refuseUnusable(key);
    const [user, team] = await Promise.all([
      key.user_id ? this.caches.users.get(key.user_id) : null,
      key.team_id ? this.caches.teams.get(key.team_id) : null,
    ]);
    if (team?.blocked) throw unauthorized(`Authentication Error, Team=${team.team_id} is blocked. Update via \`/team/unblock\` if your admin.`);
    const orgId = key.organization_id ?? team?.organization_id ?? null;
    const [membership, organization] = await Promise.all([
      team && key.user_id ? this.caches.members.get(memberId(team.team_id, key.user_id)) : null,
      orgId ? this.caches.organizations.get(orgId) : null,
    ]);
    const [membershipBudget, organizationBudget] = await Promise.all([
      membership?.budget_id ? this.caches.budgets.get(membership.budget_id) : null,
      organization?.budget_id ? this.caches.budgets.get(organization.budget_id) : null,
    ]);
    return this.principal(key, user, team, membership, membershipBudget, organization, organizationBudget);
  }

  masterPrincipal(): Principal {
    return (this.masterP ??= {
      isMaster: true,
      isAdmin: true,
      keyHash: this.masterHash!,
      key: null,
      userId: MASTER_USER_ID,
      user: null,
      team: null,
      membership: null,
      membershipBudget: null,
      organization: null,
      organizationBudget: null,
    });
  }
}
