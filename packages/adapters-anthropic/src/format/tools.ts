import type { ChatCompletionRequest, Tool } from '@tollgate/core';
import { withCache } from './content.js';
import type { AnthropicTool, ToolChoice } from './types.js';

/** The forced tool that carries `response_format` answers (LiteLLM's RESPONSE_FORMAT_TOOL_NAME). */
export const JSON_TOOL_NAME = 'json_tool_call';

/** A response_format turned into a tool: `wrapped` when a non-object schema had to be wrapped in `{values}`. */
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

export function jsonTool(request: ChatCompletionRequest, mode: JsonMode): AnthropicTool {
  const rf = request.response_format!;
  if (rf.type === 'json_schema') {
    const schema = rf.json_schema.schema ?? { type: 'object', additionalProperties: true, properties: {} };
    const input_schema = mode.wrapped ? { type: 'object', properties: { values: schema }, required: ['values'] } : { type: 'object', ...schema };
    return { name: JSON_TOOL_NAME, description: rf.json_schema.description ?? 'Respond with the final answer as JSON that matches this schema.', input_schema };
  }
  return { name: JSON_TOOL_NAME, description: 'Respond with the final answer as a JSON object.', input_schema: { type: 'object', additionalProperties: true, properties: {} } };
}

export function convertTool(t: Tool): AnthropicTool {
  const native = t as unknown as { type?: string; input_schema?: unknown };
  // Already in Anthropic's shape (input_schema) or an Anthropic server tool (web_search_..., bash_...): as given.
  if (native.input_schema !== undefined || (native.type && native.type !== 'function')) return native as unknown as AnthropicTool;
  const f = t.function;
  const params = f.parameters ?? { type: 'object', properties: {} };
  const tool: AnthropicTool = { name: f.name, input_schema: params.type === 'object' ? params : { type: 'object', ...params } };
  if (f.description) tool.description = f.description;
  return withCache(tool, t.cache_control);
}

export function convertToolChoice(request: ChatCompletionRequest): ToolChoice | undefined {
  const c = request.tool_choice;
  let choice: Exclude<ToolChoice, { type: 'none' }> | undefined;
  if (c === 'auto') choice = { type: 'auto' };
  else if (c === 'none') return { type: 'none' };
  else if (c === 'required') choice = { type: 'any' };
  else if (c && typeof c === 'object' && c.function?.name) choice = { type: 'tool', name: c.function.name };
  // Anthropic's flag is the inverse of OpenAI's and lives on tool_choice.
  if (request.parallel_tool_calls === false) choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return choice;
}
