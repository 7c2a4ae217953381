import { OLLAMA_OPTION_KEYS } from './request.js';

const int = { type: 'integer' };
const num = { type: 'number' };
/** Types of api.Options and api.Runner (ollama/ollama api/types.go); the rest of OLLAMA_OPTION_KEYS are numbers. */
const TYPED: Readonly<Record<string, Record<string, unknown>>> = {
  num_keep: int, seed: int, num_predict: int, top_k: int, repeat_last_n: int, num_ctx: { type: 'integer', minimum: 1 },
  num_batch: int, num_gpu: int, main_gpu: int, num_thread: int, draft_num_predict: int,
  use_mmap: { type: 'boolean' },
  stop: { type: 'array', items: { type: 'string' } },
};

/**
 * Deployment params this adapter reads: Ollama's option names (sent in every request's `options`,
 * as LiteLLM passes them) and `keep_alive` (a duration such as "5m", or seconds; LiteLLM's name).
 */
export const OLLAMA_PARAM_KEYS: Readonly<Record<string, Record<string, unknown>>> = {
  ...Object.fromEntries(OLLAMA_OPTION_KEYS.map((k) => [k, TYPED[k] ?? num])),
  keep_alive: { type: ['string', 'number'], 'x-message': 'must be a duration string ("5m") or a number of seconds' },
};

/** `model_info.num_ctx`: the context size every request asks for (a deployment's own num_ctx wins). */
export const OLLAMA_MODEL_INFO_KEYS: Readonly<Record<string, Record<string, unknown>>> = {
  num_ctx: TYPED.num_ctx,
};
