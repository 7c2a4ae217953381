/**
 * The semantic cache's index: nearest stored prompt by cosine similarity, per scope (tenant and
 * model group), in process or in Redis, and the prompt embedding through the gateway itself.
 * See SEMANTIC.md for the approach, the bounds and the consistency model.
 */
export { type SemanticIndex, DEFAULT_MAX_ENTRIES_PER_SCOPE, DEFAULT_MAX_BYTES } from './types.js';
export { createMemoryIndex, type MemoryIndexOptions } from './memory.js';
export { createRedisIndex, type RedisIndexOptions } from './redis.js';
export { embedPrompt, promptText, withoutEmbeddedText, decodeEmbedding, NotEmbeddableError, DEFAULT_PROMPT_CHARS, type EmbedOptions } from './embed.js';
export { normalise, ScopeVectors, type Match } from './vectors.js';
export { SIMD_AVAILABLE } from './simd.js';
