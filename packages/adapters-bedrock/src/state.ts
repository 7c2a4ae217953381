import type { CompiledParams } from '@tollgate/core';
import type { EmbeddingFamily } from './embeddings.js';
import type { BedrockModel } from './model.js';
import type { ConverseRequest } from './types.js';

/** What `prepare` computes once per deployment. */
export interface BedrockState {
  model: BedrockModel;
  region: string;
  /** ".../model/<encoded id>" on the bedrock-runtime endpoint. */
  modelUrl: string;
  /** The bedrock-agent-runtime endpoint (Rerank). */
  agentBase: string;
  dropParams: boolean;
  /** The Converse param table, with the deployment's `allowed_client_params`. */
  params: CompiledParams;
  /** Converse fields the deployment adds to every request. */
  defaults: Partial<ConverseRequest>;
  embedding: EmbeddingFamily | null;
}
