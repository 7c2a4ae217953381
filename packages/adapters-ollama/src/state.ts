/** What `prepare` computes once per Ollama deployment. */
export interface OllamaState {
  model: string;
  chatUrl: string;
  embedUrl: string;
  tagsUrl: string;
  /** The deployment's drop_params, else the global one. */
  dropParams: boolean;
  /** `options` every request starts from: Ollama option names found in the deployment's params (num_ctx, ...). */
  options: Readonly<Record<string, unknown>>;
  /** The deployment's `keep_alive`, if it sets one. */
  keepAlive: string | number | undefined;
  /** Ollama-native client fields the deployment forwards (`allowed_client_params`). */
  allowed: ReadonlySet<string>;
}
