import type { ChatCompletionRequest, Tool, ToolChoice as OpenAIToolChoice } from '@tollgate/core';
import { invalid, isObject, type Json } from './check.js';
import { cacheControlOf, withCache } from './content.js';
import type { AnthropicTool, ToolChoice } from './types.js';

/** The schema of a tool that declares no parameters. */
const noParameters = (): Record<string, unknown> => ({ type: 'object', properties: {} });

/** Anthropic's tool_choice types beside OpenAI's string choices (a named tool: `{type: tool, name}` ↔ `{type: function, function: {name}}`). */
const CHOICES = [['auto', 'auto'], ['any', 'required'], ['none', 'none']] as const;
const TO_OPENAI_CHOICE = new Map<string, OpenAIToolChoice>(CHOICES);
const TO_ANTHROPIC_CHOICE = new Map<string, 'auto' | 'any' | 'none'>(CHOICES.map(([anthropic, openai]) => [openai, anthropic]));

/**
 * Anthropic server tools (web_search_..., bash_..., code_execution_...) have a `type` of their own;
 * a custom tool has none, or `custom`. They keep their shape through the canonical request, where
 * only an Anthropic upstream understands them.
 */
function isServerTool(t: Json): boolean {
  return t.type !== undefined && t.type !== null && t.type !== 'custom';
}

// ---------------------------------------------------------------------- canonical -> Anthropic

export function convertTool(t: Tool): AnthropicTool {
  const native = t as unknown as { type?: string; input_schema?: unknown };
  // Already in Anthropic's shape (input_schema) or an Anthropic server tool: as given.
  if (native.input_schema !== undefined || (native.type && native.type !== 'function')) return native as unknown as AnthropicTool;
  const f = t.function;
  const params = f.parameters ?? noParameters();
  const tool: AnthropicTool = { name: f.name, input_schema: params.type === 'object' ? params : { type: 'object', ...params } };
  if (f.description) tool.description = f.description;
  return withCache(tool, t.cache_control);
}

export function convertToolChoice(request: ChatCompletionRequest): ToolChoice | undefined {
  const c = request.tool_choice;
  const type = typeof c === 'string' ? TO_ANTHROPIC_CHOICE.get(c) : undefined;
  if (type === 'none') return { type };
  let choice: Exclude<ToolChoice, { type: 'none' }> | undefined;
  if (type) choice = { type };
  else if (c && typeof c === 'object' && c.function?.name) choice = { type: 'tool', name: c.function.name };
  // Anthropic's flag is the inverse of OpenAI's and lives on tool_choice.
  if (request.parallel_tool_calls === false) choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return choice;
}

// ---------------------------------------------------------------------- Anthropic client -> canonical

/** A client's `tools`: custom tools as functions, server tools as they are. */
export function toolsFromAnthropic(list: unknown): Tool[] {
  if (!Array.isArray(list)) throw invalid('tools: Input should be a valid list', 'tools');
  return list.map((t: unknown, i: number) => {
    if (!isObject(t)) throw invalid(`tools.${i}: Input should be a valid dictionary`, `tools.${i}`);
    if (isServerTool(t)) return t as unknown as Tool;
    if (typeof t.name !== 'string') throw invalid(`tools.${i}.name: Field required`, `tools.${i}.name`);
    const fn: Tool['function'] = { name: t.name, parameters: isObject(t.input_schema) ? t.input_schema : noParameters() };
    if (typeof t.description === 'string') fn.description = t.description;
    return withCache<Tool>({ type: 'function', function: fn }, cacheControlOf(t));
  });
}

/** A client's `tool_choice` onto the canonical request (with `parallel_tool_calls`). */
export function toolChoiceFromAnthropic(tc: unknown, out: ChatCompletionRequest): void {
  if (!isObject(tc)) throw invalid('tool_choice: Input should be a valid dictionary', 'tool_choice');
  const simple = typeof tc.type === 'string' ? TO_OPENAI_CHOICE.get(tc.type) : undefined;
  if (simple) out.tool_choice = simple;
  else if (tc.type === 'tool' && typeof tc.name === 'string') out.tool_choice = { type: 'function', function: { name: tc.name } };
  else throw invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", 'tool_choice');
  if (tc.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
}

/** The Anthropic server tools of a translated request, as `tools.N (type)`. */
export function anthropicServerTools(request: ChatCompletionRequest): string[] {
  const out: string[] = [];
  request.tools?.forEach((t, i) => { if (t.type !== 'function') out.push(`tools.${i} (${String(t.type)})`); });
  return out;
}
