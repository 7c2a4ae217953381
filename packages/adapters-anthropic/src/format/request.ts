import {
  BadRequestError,
  compileParamTable,
  type ChatCompletionRequest,
  type CompiledParams,
  type ParamTable,
  type RequestContext,
} from '@tollgate/core';
import { convertMessages } from './messages.js';
import { JSON_TOOL_NAME, jsonModeOf, jsonTool, type JsonMode } from './json-mode.js';
import { convertTool, convertToolChoice } from './tools.js';
import type { AnthropicTool, ThinkingConfig } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';
/** max_tokens when neither the request nor model_info gives one; every Claude model accepts it. */
export const DEFAULT_MAX_TOKENS = 4096;
/** reasoning_effort -> thinking.budget_tokens (LiteLLM's defaults; Anthropic's minimum budget is 1024). */
export const EFFORT_BUDGET: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192 };

export interface AnthropicBodyOptions {
  /** The model id for the body; `null` leaves it out (Vertex AI puts the model in the URL). */
  model: string | null;
  /** Vertex AI wants `anthropic_version` in the body ("vertex-2023-10-16") instead of a header. */
  anthropicVersion?: string;
  /** Drop unsupported params with a warning instead of answering 400. */
  dropParams?: boolean;
  /** max_tokens when the request gives none (model_info.max_output_tokens, else DEFAULT_MAX_TOKENS). */
  defaultMaxTokens?: number;
  /** Provider name for error messages. */
  provider?: string;
  /** The deployment's `allowed_client_params`: extra client fields it forwards. */
  allowed?: readonly string[];
}

export interface AnthropicBody {
  body: Record<string, unknown>;
  /** Set when response_format became the JSON tool: the answer's tool input is the content. */
  jsonMode: JsonMode | null;
}

const EMAIL = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const PHONE = /^\+?[\d\s()-]{7,}$/;

const keep = { transform: (v: unknown) => (v === null ? undefined : v) };

/**
 * What the compiled table still decides once the builder has taken the params it maps itself:
 * sampling params pass (temperature clamped to Anthropic's 0..1), OpenAI-only params are refused.
 * Unknown keys pass through, so Anthropic-native extras (container, mcp_servers, ...) reach the API.
 */
const TABLE: ParamTable = {
  temperature: { ...keep, max: 1 },
  top_p: keep,
  top_k: keep,
  seed: { unsupported: true },
  logprobs: { unsupported: true },
  top_logprobs: { unsupported: true },
  logit_bias: { unsupported: true },
  frequency_penalty: { unsupported: true },
  presence_penalty: { unsupported: true },
  modalities: { unsupported: true },
  prediction: { unsupported: true },
  audio: { unsupported: true },
  web_search_options: { unsupported: true },
  verbosity: { unsupported: true },
  functions: { unsupported: true },
  function_call: { unsupported: true },
  n: { unsupported: true },
  store: { unsupported: true },
};

/** Params the builder maps itself (or that only Tollgate reads). */
const HANDLED = [
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format',
  'stop', 'user', 'max_tokens', 'max_completion_tokens', 'reasoning_effort', 'thinking', 'metadata', 'service_tier',
];

/** Compiled tables, shared by deployments with the same settings (built at their first request). */
const tables = new Map<string, CompiledParams>();
function table(provider: string, dropParams: boolean, allowed: readonly string[]): CompiledParams {
  const key = `${provider}\n${dropParams}\n${allowed.join(',')}`;
  let t = tables.get(key);
  if (!t) tables.set(key, (t = compileParamTable(TABLE, { dropParams, provider, allowed })));
  return t;
}

/** Values that ask for nothing (logprobs: false, n: 1, penalty 0, text-only modalities): not refused. */
function isNeutral(key: string, value: unknown): boolean {
  switch (key) {
    case 'logprobs':
    case 'store':
      return value === false;
    case 'n':
      return value === 1;
    case 'frequency_penalty':
    case 'presence_penalty':
      return value === 0;
    case 'modalities':
      return Array.isArray(value) && value.every((m) => m === 'text');
    default:
      return false;
  }
}

export function thinkingOf(request: ChatCompletionRequest): ThinkingConfig | undefined {
  const t = request.thinking as (ThinkingConfig & { budget_tokens?: number }) | null | undefined;
  if (t && typeof t === 'object') return t;
  const effort = request.reasoning_effort;
  if (!effort || effort === 'none') return undefined;
  return { type: 'enabled', budget_tokens: EFFORT_BUDGET[effort] ?? EFFORT_BUDGET.medium };
}

function maxTokensOf(request: ChatCompletionRequest, thinking: ThinkingConfig | undefined, fallback: number, warn: (m: string) => void): number {
  const requested = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  if (thinking?.type !== 'enabled' || typeof thinking.budget_tokens !== 'number') return requested ?? fallback;
  const budget = thinking.budget_tokens;
  // Thinking tokens count toward max_tokens, which must exceed the budget.
  if (requested == null) return fallback > budget ? fallback : budget + DEFAULT_MAX_TOKENS;
  if (requested > budget) return requested;
  warn(`raised max_tokens from ${requested} to ${budget + requested}: with thinking it must exceed budget_tokens (${budget})`);
  return budget + requested;
}

/**
 * Canonical (OpenAI) request -> Anthropic Messages body. Shared with the Gemini package for Claude on
 * Vertex AI (`model: null`, `anthropicVersion: 'vertex-2023-10-16'`).
 */
export function buildAnthropicBody(request: ChatCompletionRequest, options: AnthropicBodyOptions, ctx: RequestContext | null): AnthropicBody {
  const provider = options.provider ?? 'Anthropic';
  const dropParams = options.dropParams ?? false;
  const warn = (m: string): void => { ctx?.warnings.push(m); };
  const skip = new Set(HANDLED);
  const r = request as Record<string, unknown>;
  for (const key of ['logprobs', 'store', 'n', 'frequency_penalty', 'presence_penalty', 'modalities']) {
    if (isNeutral(key, r[key])) skip.add(key);
  }

  const thinking = thinkingOf(request);
  const thinkingOn = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
  const { system, messages, calledTools } = convertMessages(request.messages);

  const body: Record<string, unknown> = {};
  if (options.model !== null) body.model = options.model;
  if (options.anthropicVersion) body.anthropic_version = options.anthropicVersion;
  body.max_tokens = maxTokensOf(request, thinking, options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS, warn);
  body.messages = messages;
  if (system.length) body.system = system;
  if (thinking) body.thinking = thinking;

  const stop = request.stop;
  if (stop != null) {
    // Anthropic refuses whitespace-only stop sequences.
    const list = (Array.isArray(stop) ? stop : [stop]).filter((s) => typeof s === 'string' && s.trim() !== '');
    if (list.length) body.stop_sequences = list;
  }
  // OpenAI/LiteLLM metadata is gateway-side tagging; only a user_id has a place in Anthropic's metadata.
  const md = request.metadata as Record<string, unknown> | null | undefined;
  const userId = typeof request.user === 'string' && request.user ? request.user : typeof md?.user_id === 'string' ? md.user_id : undefined;
  if (userId !== undefined) {
    // Anthropic asks for an opaque id and refuses personal data (LiteLLM skips emails and phone numbers too).
    if (EMAIL.test(userId) || PHONE.test(userId)) warn("dropped 'user': Anthropic's metadata.user_id must not be an email address or phone number");
    else body.metadata = { user_id: userId };
  }
  const tier = request.service_tier;
  if (tier === 'auto' || tier === 'standard_only') body.service_tier = tier;
  else if (tier != null) warn(`dropped service_tier '${tier}' (Anthropic knows 'auto' and 'standard_only')`);

  // Tools, tool_choice and response_format (a JSON tool).
  const tools: AnthropicTool[] = (request.tools ?? []).map(convertTool);
  let toolChoice = tools.length ? convertToolChoice(request) : undefined;
  const jsonMode = jsonModeOf(request);
  if (jsonMode) {
    const hadTools = tools.length > 0;
    tools.push(jsonTool(request, jsonMode));
    // Forced only when it is the only tool: with the client's own tools the model must stay free to call them.
    if (!hadTools && !thinkingOn) toolChoice = { type: 'tool', name: JSON_TOOL_NAME };
  }
  if (!tools.length && calledTools.size) {
    // Anthropic refuses tool_use/tool_result history without tool definitions; OpenAI does not.
    for (const name of calledTools) tools.push({ name, description: 'A tool used earlier in this conversation.', input_schema: { type: 'object' } });
    toolChoice = { type: 'none' };
    warn('added placeholder tool definitions for tool calls in the history (the request had no tools)');
  }
  if (thinkingOn && toolChoice && (toolChoice.type === 'any' || toolChoice.type === 'tool')) {
    // Anthropic: "Thinking may not be enabled when tool_choice forces tool use."
    if (!dropParams) {
      throw new BadRequestError(`${provider} does not allow tool_choice that forces a tool while thinking is enabled. Use tool_choice "auto", or turn thinking off.`, { param: 'tool_choice', code: 'unsupported_parameter' });
    }
    warn("changed tool_choice to 'auto': forced tool use is not allowed with thinking");
    toolChoice = { type: 'auto', ...('disable_parallel_tool_use' in toolChoice ? { disable_parallel_tool_use: toolChoice.disable_parallel_tool_use } : {}) };
  }
  if (tools.length) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;

  // Sampling limits while thinking (extended-thinking docs: no temperature or top_k, top_p 0.95..1).
  if (thinkingOn) {
    for (const key of ['temperature', 'top_k'] as const) {
      if (request[key] != null) { skip.add(key); warn(`dropped '${key}': not allowed with thinking`); }
    }
    if (typeof request.top_p === 'number' && request.top_p < 0.95) {
      skip.add('top_p');
      body.top_p = 0.95;
      warn(`clamped 'top_p' from ${request.top_p} to 0.95: required with thinking`);
    }
  }
  table(provider, dropParams, options.allowed ?? []).apply(r, body, ctx, skip);
  if (request.stream) body.stream = true;
  return { body, jsonMode };
}
