/**
 * `response_format` for providers without a native JSON mode: a forced tool whose input is the
 * answer (as LiteLLM does for Anthropic and Bedrock). Adapters wrap `jsonToolSpec` in their own
 * tool shape and read the answer back with `jsonContent`.
 */
import type { ChatCompletionRequest } from './types/openai.js';

/** The forced tool that carries `response_format` answers (LiteLLM's RESPONSE_FORMAT_TOOL_NAME). */
export const JSON_TOOL_NAME = 'json_tool_call';

/** A response_format turned into a tool: `wrapped` when a non-object schema had to be wrapped in `{values}`. */
export interface JsonMode {
  wrapped: boolean;
}

/** The JSON mode a request asks for, or null for text. */
export function jsonModeOf(request: ChatCompletionRequest): JsonMode | null {
  const rf = request.response_format;
  if (!rf || rf.type === 'text') return null;
  if (rf.type === 'json_schema') {
    const schema = rf.json_schema?.schema;
    return { wrapped: !!schema && schema.type !== undefined && schema.type !== 'object' };
  }
  return { wrapped: false };
}

/** The tool's name, description and input schema (always an object schema). */
export function jsonToolSpec(request: ChatCompletionRequest, mode: JsonMode): { name: string; description: string; schema: Record<string, unknown> } {
  const rf = request.response_format!;
  if (rf.type === 'json_schema') {
    const schema = rf.json_schema.schema ?? { type: 'object', additionalProperties: true, properties: {} };
    const wrapped = mode.wrapped ? { type: 'object', properties: { values: schema }, required: ['values'] } : { type: 'object', ...schema };
    return { name: JSON_TOOL_NAME, description: rf.json_schema.description ?? 'Respond with the final answer as JSON that matches this schema.', schema: wrapped };
  }
  return { name: JSON_TOOL_NAME, description: 'Respond with the final answer as a JSON object.', schema: { type: 'object', additionalProperties: true, properties: {} } };
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
