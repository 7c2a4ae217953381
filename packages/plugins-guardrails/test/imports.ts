export * from '@tollgate/plugin-guardrails';
export type { ChatCompletionChunk as ChatCompletionChunkLike } from '@tollgate/core';
