import type { CompiledParams } from '@tollgate/core';

/** What `prepare` computes once per Cohere deployment. */
export interface CohereState {
  /** The model id sent to Cohere (LiteLLM's `cohere_chat/v2/<model>` route prefix removed). */
  model: string;
  chatUrl: string;
  embedUrl: string;
  rerankUrl: string;
  /** The deployment's drop_params, else the global one. */
  dropParams: boolean;
  /** The deployment's `input_type` for embeddings, if it sets one. */
  inputType: string | undefined;
  /** Param tables per operation, with the deployment's `allowed_client_params`. */
  chatParams: CompiledParams;
  embedParams: CompiledParams;
  rerankParams: CompiledParams;
}
