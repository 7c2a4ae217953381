import { jsonToolSpec, type ChatCompletionRequest, type JsonMode, type Tool } from '@tollgate/core';
import { cachePointOf } from './content.js';
import type { ConverseTool } from './types.js';

export { JSON_TOOL_NAME, jsonContent, jsonContentOfText, jsonModeOf, type JsonMode } from '@tollgate/core';

/** The forced tool that carries `response_format` answers, as a Converse toolSpec. */
export function jsonTool(request: ChatCompletionRequest, mode: JsonMode): ConverseTool {
  const { name, description, schema } = jsonToolSpec(request, mode);
  return { toolSpec: { name, description, inputSchema: { json: schema } } };
}

/** An OpenAI function tool -> toolSpec (plus a cachePoint after it when the tool carries cache_control). */
export function convertTool(t: Tool): ConverseTool[] {
  const f = t.function;
  const params = f.parameters ?? { type: 'object', properties: {} };
  const spec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } = {
    name: f.name,
    inputSchema: { json: params.type === 'object' ? params : { type: 'object', ...params } },
  };
  if (f.description) spec.description = f.description;
  const cp = cachePointOf(t.cache_control);
  return cp ? [{ toolSpec: spec }, cp] : [{ toolSpec: spec }];
}
