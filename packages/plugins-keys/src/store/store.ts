import type { SpendLogRow } from '../types.js';
import type { Dialect, Entity } from './schema.js';

/** Column filters: a value, null (IS NULL), or a list (IN). Columns are the entity's indexed ones. */
export type Where = Record<string, string | null | readonly string[]>;

export interface Page {
  limit?: number;
  offset?: number;
}

/** Spend to add to one entity's running total in a batch. */
export interface SpendDelta {
  entity: Entity;
  id: string;
  amount: number;
  /** The record to create when the entity does not exist yet (end users, the proxy-wide user). */
  seed?: Record<string, unknown>;
}

export interface SpendLogFilter {
  request_id?: string;
  api_key?: string;
  user_id?: string;
  end_user?: string;
  team_id?: string;
  /** Epoch ms, inclusive. */
  start_ms?: number;
  /** Epoch ms, exclusive. */
  end_ms?: number;
  limit?: number;
}

/**
 * Where keys, teams, users, organizations, end users, budgets, memberships, models and spend
 * logs live. SQLite (embedded) and PostgreSQL implement it with the same SQL; records are
 * LiteLLM-shaped objects (see types.ts) whose `spend` comes from the spend column.
 */
export interface Store {
  readonly dialect: Dialect;
  /** Applies pending migrations; safe when several processes start at once. Returns how many ran. */
  migrate(): Promise<number>;
  get<T>(entity: Entity, id: string): Promise<T | null>;
  find<T>(entity: Entity, where?: Where, page?: Page): Promise<T[]>;
  count(entity: Entity, where?: Where): Promise<number>;
  /** Throws ConflictError when the id exists. */
  insert(entity: Entity, record: Record<string, unknown>): Promise<void>;
  /** Replaces the record (its spend column is kept). False when it does not exist. */
  update(entity: Entity, record: Record<string, unknown>): Promise<boolean>;
  setSpend(entity: Entity, id: string, spend: number): Promise<void>;
  delete(entity: Entity, ids: readonly string[]): Promise<number>;
  /** Adds spend and inserts spend-log rows in one transaction. */
  applySpend(deltas: readonly SpendDelta[], logs: readonly SpendLogRow[]): Promise<void>;
  spendLogs(filter: SpendLogFilter): Promise<SpendLogRow[]>;
  /** Records whose budget_reset_at is at or before `now`. */
  dueForReset<T>(entity: Entity, now: number): Promise<T[]>;
  /** Sets spend to 0 and stores the record (its new budget_reset_at) for each. */
  resetSpend(entity: Entity, records: readonly Record<string, unknown>[]): Promise<void>;
  /** Sets spend to 0 for every record of `entity` whose `budget_id` column is one of these. */
  resetSpendByBudget(entity: Entity, budgetIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
