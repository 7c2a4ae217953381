/**
 * One table per entity: the LiteLLM-shaped record as JSON in `data`, with the fields that are
 * searched (ids, aliases, owners) copied into indexed columns, and the running `spend` and the
 * next budget reset (`reset_at`, epoch ms) in columns so batched spend is a single
 * `spend = spend + ?` and the reset job a range scan. The same DDL serves SQLite and PostgreSQL.
 */
export interface EntitySpec {
  readonly table: string;
  /** The record field(s) that form the id; several are joined with "\n". */
  readonly id: readonly string[];
  /** Record fields copied into indexed TEXT columns. */
  readonly columns: readonly string[];
  /** Created on first spend if missing (LiteLLM upserts end users it sees in `user`). */
  readonly upsertOnSpend?: boolean;
}

export const ENTITIES = {
  keys: { table: 'tg_keys', id: ['token'], columns: ['key_alias', 'user_id', 'team_id', 'organization_id'] },
  teams: { table: 'tg_teams', id: ['team_id'], columns: ['team_alias', 'organization_id'] },
  users: { table: 'tg_users', id: ['user_id'], columns: ['user_email'], upsertOnSpend: true },
  organizations: { table: 'tg_organizations', id: ['organization_id'], columns: ['organization_alias', 'budget_id'] },
  end_users: { table: 'tg_end_users', id: ['user_id'], columns: ['budget_id'], upsertOnSpend: true },
  budgets: { table: 'tg_budgets', id: ['budget_id'], columns: [] },
  team_members: { table: 'tg_team_members', id: ['team_id', 'user_id'], columns: ['team_id', 'user_id', 'budget_id'] },
  org_members: { table: 'tg_org_members', id: ['organization_id', 'user_id'], columns: ['organization_id', 'user_id'] },
  models: { table: 'tg_models', id: ['model_id'], columns: ['model_name'] },
} as const satisfies Record<string, EntitySpec>;

export type Entity = keyof typeof ENTITIES;

export function entityId(entity: Entity, record: Record<string, unknown>): string {
  return ENTITIES[entity].id.map((f) => String(record[f])).join('\n');
}

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  statements(dialect: Dialect): string[];
}

const types = (d: Dialect) => ({ double: d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL', bigint: d === 'postgres' ? 'BIGINT' : 'INTEGER' });

/** Versioned, append-only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'entities and spend logs',
    statements(d) {
      const t = types(d);
      const out: string[] = [];
      for (const spec of Object.values(ENTITIES) as EntitySpec[]) {
        const cols = spec.columns.map((c) => `${c} TEXT`).join(', ');
        out.push(
          `CREATE TABLE ${spec.table} (id TEXT PRIMARY KEY, ${cols ? `${cols}, ` : ''}spend ${t.double} NOT NULL DEFAULT 0, ` +
            `reset_at ${t.bigint}, created ${t.bigint} NOT NULL, data TEXT NOT NULL)`,
        );
        for (const c of spec.columns) out.push(`CREATE INDEX ${spec.table}_${c} ON ${spec.table} (${c})`);
        out.push(`CREATE INDEX ${spec.table}_reset_at ON ${spec.table} (reset_at)`);
      }
      out.push(
        `CREATE TABLE tg_spend_logs (request_id TEXT PRIMARY KEY, api_key TEXT, user_id TEXT, end_user TEXT, team_id TEXT, ` +
          `organization_id TEXT, model_group TEXT, start_ms ${t.bigint} NOT NULL, spend ${t.double} NOT NULL, data TEXT NOT NULL)`,
        'CREATE INDEX tg_spend_logs_start ON tg_spend_logs (start_ms)',
        'CREATE INDEX tg_spend_logs_api_key ON tg_spend_logs (api_key)',
        'CREATE INDEX tg_spend_logs_user ON tg_spend_logs (user_id)',
        'CREATE INDEX tg_spend_logs_end_user ON tg_spend_logs (end_user)',
        'CREATE INDEX tg_spend_logs_team ON tg_spend_logs (team_id)',
      );
      return out;
    },
  },
];

export const MIGRATIONS_TABLE = 'tg_migrations';
