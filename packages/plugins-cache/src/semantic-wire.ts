// The semantic index's public surface as the plugin uses it (src/semantic/ is its own module).
export { createMemoryIndex } from './semantic/memory.js';
export { createRedisIndex } from './semantic/redis.js';
export type { SemanticIndex } from './semantic/types.js';
import type { Gateway } from '@tollgate/core';

/** TEMPORARY until src/semantic exports embedPrompt. */
export async function embedPrompt(gateway: Gateway, modelGroup: string, request: Record<string, unknown>): Promise<Float32Array> {
  const m = request.messages as Array<{ content?: unknown }> | undefined;
  const text = m ? m.map((x) => (typeof x.content === 'string' ? x.content : JSON.stringify(x.content))).join('\n') : String(request.prompt);
  const r = await gateway.embeddings({ model: modelGroup, input: text }, { internal: true });
  return Float32Array.from(r.data[0].embedding as number[]);
}
