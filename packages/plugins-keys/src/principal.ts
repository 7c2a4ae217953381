import type { BudgetRecord, KeyRecord, OrganizationRecord, TeamMembershipRecord, TeamRecord, UserRecord } from './types.js';

/**
 * Who is calling, resolved at auth from cached records: the key and what it belongs to. The
 * plugin layer puts it on the request (Caller) and hands it back to `admit` and `account`.
 */
export interface Principal {
  /** The master key (LiteLLM's proxy admin with user_id "default_user_id"). */
  readonly isMaster: boolean;
  /** Master key, or a key whose user has user_role "proxy_admin". */
  readonly isAdmin: boolean;
  /** sha256 of the presented key (for the master key too, as LiteLLM logs it). */
  readonly keyHash: string;
  readonly key: KeyRecord | null;
  readonly userId: string | null;
  readonly user: UserRecord | null;
  readonly team: TeamRecord | null;
  readonly membership: TeamMembershipRecord | null;
  readonly membershipBudget: BudgetRecord | null;
  readonly organization: OrganizationRecord | null;
  readonly organizationBudget: BudgetRecord | null;
}

/** LiteLLM's user id for the master key (litellm_proxy_admin_name). */
export const MASTER_USER_ID = 'default_user_id';
export const PROXY_ADMIN = 'proxy_admin';

/** The caller's role in a team: 'admin', 'user' (member) or null. */
export function teamRole(p: Principal, team: TeamRecord): 'admin' | 'user' | null {
  if (!p.userId) return null;
  const m = team.members_with_roles.find((x) => x.user_id === p.userId);
  return m ? m.role : null;
}
