export type { OperationSpec, StreamSpec, RequestOf, ResponseOf } from './types.js';
export { OperationRegistry } from './registry.js';
export { chatOperation } from './chat.js';
export { completionsOperation } from './completions.js';
export { embeddingsOperation, moderationsOperation, rerankOperation, DEFAULT_MODERATION_MODEL } from './simple.js';
export { hasNonNull, openAIEventNeedsParse } from './stream-text.js';
export * from './schemas.js';
