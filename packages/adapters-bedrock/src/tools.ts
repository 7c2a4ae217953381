import type { ChatCompletionRequest, Tool } from '@tollgate/core';
import { cachePointOf } from './content.js';
import type { ConverseTool } from './types.js';

/** The tool that carries `response_format` answers (LiteLLM's name, RESPONSE_FORMAT_TOOL_NAME). */
export const JSON_TOOL_NAME = 'json_tool_call';

/** A response_format turned into a tool; `wrapped` when a non-object schema had to be wrapped in `{values}`. */
export interface JsonMode {
  wrapped: boolean;
}

export function jsonModeOf(request: ChatCompletionRequest): JsonMode | null {
  const rf = request.response_format;
  if (!rf || rf.type === 'text') return null;
  if (rf.type === 'json_schema') {
    const schema = rf.json_schema?.schema;
    return { wrapped: !!schema && schema.type !== undefined && schema.type !== 'object' };
  }
  return { wrapped: false };
}

export function jsonTool(request: ChatCompletionRequest, mode: JsonMode): ConverseTool {
  const rf = request.response_format!;
  if (rf.type === 'json_schema') {
    const schema = rf.json_schema.schema ?? { type: 'object', additionalProperties: true, properties: {} };
    const json = mode.wrapped ? { type: 'object', properties: { values: schema }, required: ['values'] } : { type: 'object', ...schema };
    return { toolSpec: { name: JSON_TOOL_NAME, description: rf.json_schema.description ?? 'Respond with the final answer as JSON that matches this schema.', inputSchema: { json } } };
  }
  return { toolSpec: { name: JSON_TOOL_NAME, description: 'Respond with the final answer as a JSON object.', inputSchema: { json: { type: 'object', additionalProperties: true, properties: {} } } } };
}

/** The JSON tool's input as message content (a wrapped non-object schema unwrapped). */
export function jsonContent(input: unknown, mode: JsonMode): string {
  if (mode.wrapped && input && typeof input === 'object' && 'values' in input) return JSON.stringify((input as { values: unknown }).values);
  return JSON.stringify(input ?? {});
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
