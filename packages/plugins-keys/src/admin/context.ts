import type { AccessGroups } from '../access.js';
import type { Caches } from '../auth.js';
import type { RecordCache } from '../cache.js';
import type { SpendWriter } from '../spend.js';
import type { Entity } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { EndUserRecord, ModelRecord } from '../types.js';

/** A model as /model/info lists it: from the config file or from the database. */
export interface ModelInfoEntry {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
}

/** What the admin handlers share. */
export interface AdminContext {
  readonly store: Store;
  readonly caches: Caches & { endUsers: RecordCache<EndUserRecord> };
  readonly spend: SpendWriter;
  readonly now: () => number;
  readonly accessGroups?: AccessGroups;
  /** Models from the config file (store_model_in_db adds the database's). */
  readonly configModels: () => readonly ModelInfoEntry[];
  /** Drop a record from this process's caches (other processes see it within the cache TTL). */
  invalidate(entity: Entity, id: string): void;
  /** Called after /model/new, /model/update and /model/delete. */
  modelsChanged(models: readonly ModelRecord[]): void;
}
