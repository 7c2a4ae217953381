/**
 * `response_format` on Anthropic. To an upstream it is a forced tool whose input is the answer
 * (as LiteLLM does); from an Anthropic client it arrives as `output_config.format`.
 */
import { jsonToolSpec, type ChatCompletionRequest, type JsonMode, type ResponseFormat } from '@tollgate/core';
import type { AnthropicTool } from './types.js';

export { JSON_TOOL_NAME, jsonContent, jsonContentOfText, jsonModeOf, type JsonMode } from '@tollgate/core';

/** The forced tool in Anthropic's shape. */
export function jsonTool(request: ChatCompletionRequest, mode: JsonMode): AnthropicTool {
  const { name, description, schema } = jsonToolSpec(request, mode);
  return { name, description, input_schema: schema };
}

/** An Anthropic client's `output_config.format` (structured outputs) as the canonical response_format. */
export function responseFormatOf(outputConfig: Record<string, unknown>): ResponseFormat | undefined {
  const f = outputConfig.format as { type?: unknown; schema?: unknown } | null | undefined;
  if (f && typeof f === 'object' && f.type === 'json_schema' && f.schema && typeof f.schema === 'object' && !Array.isArray(f.schema)) {
    return { type: 'json_schema', json_schema: { name: 'output', schema: f.schema as Record<string, unknown> } };
  }
  return undefined;
}
