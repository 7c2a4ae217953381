/**
 * `response_format` on Anthropic. To an upstream it is a forced tool whose input is the answer
 * (as LiteLLM does); from an Anthropic client it arrives as `output_config.format`.
 */
import type { ChatCompletionRequest, ResponseFormat } from '@tollgate/core';
import type { AnthropicTool } from './types.js';

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

/** The JSON tool's input as the message content (a wrapped non-object schema is unwrapped). */
export function jsonContent(input: unknown, mode: JsonMode): string {
  if (mode.wrapped && input && typeof input === 'object' && 'values' in input) return JSON.stringify((input as { values: unknown }).values);
  return JSON.stringify(input ?? {});
}

/** The JSON tool's streamed input, once whole, as the message content (as received when it does not parse). */
export function jsonContentOfText(json: string, mode: JsonMode): string {
  try {
    return jsonContent(JSON.parse(json), mode);
  } catch {
    return json;
  }
}

/** An Anthropic client's `output_config.format` (structured outputs) as the canonical response_format. */
export function responseFormatOf(outputConfig: Record<string, unknown>): ResponseFormat | undefined {
  const f = outputConfig.format as { type?: unknown; schema?: unknown } | null | undefined;
  if (f && typeof f === 'object' && f.type === 'json_schema' && f.schema && typeof f.schema === 'object' && !Array.isArray(f.schema)) {
    return { type: 'json_schema', json_schema: { name: 'output', schema: f.schema as Record<string, unknown> } };
  }
  return undefined;
}
