import type { DeploymentParams } from '../adapter.js';
import type { PluginSpec } from '../plugin.js';

export interface ModelEntry {
  /** The model group name clients ask for. Several entries may share it; `*` patterns serve many names. */
  model_name: string;
  params: DeploymentParams;
  model_info?: Record<string, unknown>;
}

export interface Settings {
  /** Admin/master key: when set, every request must present it (or a key a keys plugin accepts). */
  master_key?: string;
  /** Drop params a provider does not support instead of answering 400. */
  drop_params?: boolean;
  /** Default upstream timeout, seconds (LiteLLM's `request_timeout`). */
  request_timeout?: number;
  /** Request body limit, MB (default 10). */
  max_request_body_mb?: number;
  log_level?: string;
  /** Seconds in-flight requests may finish in on shutdown before they are cut (default 30). */
  drain_timeout?: number;
  [key: string]: unknown;
}

export interface RouterSettings {
  /** Retries of the same deployment after the plan's deployments were each tried once (default 0). */
  num_retries?: number;
  /** Seconds for a whole non-streamed attempt (default 600). */
  timeout?: number;
  /** Seconds until a stream's first content event (default: timeout). */
  stream_timeout?: number;
  /** Seconds allowed between two stream events (default: timeout). */
  stream_idle_timeout?: number;
  /** Longest retry-after (seconds) the gateway waits out itself before giving the error to the client (default 30). */
  max_retry_wait?: number;
  /** LiteLLM's `model_group_alias`: `{alias: group}` or `{alias: {model: group, hidden: true}}`. */
  model_group_alias?: Record<string, string | { model: string; hidden?: boolean }>;
  [key: string]: unknown;
}

export interface TollgateConfig {
  model_list: ModelEntry[];
  plugins: PluginSpec[];
  router: RouterSettings;
  settings: Settings;
  /** Other top-level sections, kept for the plugins that own them (e.g. LiteLLM's `guardrails`). */
  sections: Record<string, unknown>;
  /** Where a folded key was written, for messages: `settings.master_key` -> `general_settings.master_key`. */
  origins: Record<string, string>;
  /** Environment variables a key refers to that are not set, by the key's path: an error only if something uses the key. */
  unresolved: Record<string, string>;
}

export interface LoadedConfig {
  config: TollgateConfig;
  /** The file it came from, if any. */
  filepath: string | null;
  /** Directory plugins are resolved from. */
  dir: string;
  /** Non-fatal notices (inferred providers), to log once. */
  warnings: string[];
}
