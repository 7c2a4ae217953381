import type { DeploymentParams } from '../adapter.js';
import type { PluginSpec } from '../plugin.js';

export interface ModelEntry {
  /** The model group name clients ask for. Several entries may share it. */
  model_name: string;
  params: DeploymentParams;
  model_info?: Record<string, unknown>;
}

export interface Settings {
  /** Admin/master key: when set, every request must present it (or a key a keys plugin accepts). */
  master_key?: string;
  database_url?: string;
  /** Drop params a provider does not support instead of answering 400. */
  drop_params?: boolean;
  /** Default upstream timeout, seconds. */
  request_timeout?: number;
  /** Request body limit, MB (default 10). */
  max_request_body_mb?: number;
  log_level?: string;
  [extra: string]: unknown;
}

export interface RouterSettings {
  /** Extra attempts after the group's deployments were each tried once. */
  num_retries?: number;
  /** Upstream timeout, seconds. */
  timeout?: number;
  routing_strategy?: string;
  fallbacks?: Array<Record<string, string[]>>;
  [extra: string]: unknown;
}

export interface TollgateConfig {
  model_list: ModelEntry[];
  plugins: PluginSpec[];
  router: RouterSettings;
  settings: Settings;
}

export interface LoadedConfig {
  config: TollgateConfig;
  /** The file it came from, if any. */
  filepath: string | null;
  /** Directory plugins are resolved from. */
  dir: string;
  /** Non-fatal notices (unknown keys, inferred providers), to log once. */
  warnings: string[];
}
