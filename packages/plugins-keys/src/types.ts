/**
 * Records as LiteLLM stores them (schema.prisma: LiteLLM_VerificationToken, LiteLLM_TeamTable,
 * LiteLLM_UserTable, LiteLLM_OrganizationTable, LiteLLM_EndUserTable, LiteLLM_BudgetTable,
 * LiteLLM_TeamMembership, LiteLLM_OrganizationMembership, LiteLLM_ProxyModelTable,
 * LiteLLM_SpendLogs). Field names are LiteLLM's so the admin API returns them as they are;
 * datetimes are ISO strings. Fields not named here are kept as given.
 */
export type Json = Record<string, unknown>;

export interface Limits {
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
}

export interface KeyRecord extends Limits {
  /** sha256 of the key; never the key. */
  token: string;
  key_name: string | null;
  key_alias: string | null;
  spend: number;
  expires: string | null;
  models: string[];
  aliases: Json;
  config: Json;
  permissions: Json;
  metadata: Json;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  budget_id: string | null;
  blocked: boolean | null;
  soft_budget: number | null;
  allowed_routes: string[];
  model_max_budget: Json;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  updated_by: string | null;
  [field: string]: unknown;
}

export interface Member {
  user_id: string | null;
  user_email: string | null;
  role: 'admin' | 'user';
}

export interface TeamRecord extends Limits {
  team_id: string;
  team_alias: string | null;
  organization_id: string | null;
  admins: string[];
  members: string[];
  members_with_roles: Member[];
  team_member_permissions: string[];
  metadata: Json;
  models: string[];
  spend: number;
  blocked: boolean;
  model_aliases?: Json | null;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

export interface UserRecord extends Limits {
  user_id: string;
  user_alias: string | null;
  user_email: string | null;
  user_role: string | null;
  teams: string[];
  models: string[];
  metadata: Json;
  spend: number;
  organization_id: string | null;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

export interface BudgetRecord extends Limits {
  budget_id: string;
  soft_budget: number | null;
  model_max_budget: Json | null;
  created_at: string;
  updated_at: string;
  created_by: string;
  updated_by: string;
  [field: string]: unknown;
}

export interface OrganizationRecord {
  organization_id: string;
  organization_alias: string;
  budget_id: string;
  metadata: Json;
  models: string[];
  spend: number;
  model_spend: Json;
  created_at: string;
  updated_at: string;
  created_by: string;
  updated_by: string;
  [field: string]: unknown;
}

export interface EndUserRecord {
  user_id: string;
  alias: string | null;
  spend: number;
  allowed_model_region: string | null;
  default_model: string | null;
  budget_id: string | null;
  blocked: boolean;
  [field: string]: unknown;
}

export interface TeamMembershipRecord {
  team_id: string;
  user_id: string;
  spend: number;
  budget_id: string | null;
  [field: string]: unknown;
}

export interface OrgMembershipRecord {
  organization_id: string;
  user_id: string;
  user_role: string | null;
  spend: number;
  budget_id: string | null;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

export interface ModelRecord {
  model_id: string;
  model_name: string;
  litellm_params: Json;
  model_info: Json;
  created_at: string;
  updated_at: string;
  created_by: string;
  updated_by: string;
  [field: string]: unknown;
}

/** One request, as LiteLLM_SpendLogs has it, plus the token split LiteLLM keeps in metadata. */
export interface SpendLogRow {
  request_id: string;
  call_type: string;
  /** The key's sha256, never the key. */
  api_key: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  startTime: string;
  endTime: string;
  completionStartTime: string | null;
  request_duration_ms: number | null;
  model: string;
  model_id: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  user: string | null;
  end_user: string | null;
  team_id: string | null;
  organization_id: string | null;
  metadata: Json;
  cache_hit: string;
  request_tags: string[];
  status: string;
}
