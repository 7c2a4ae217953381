import {
  BadRequestError,
  compileParamTable,
  type ChatCompletionRequest,
  type CompiledParams,
  type ParamTable,
  type RequestContext,
} from '@tollgate/core';
import { convertMessages } from './messages.js';
import { JSON_TOOL_NAME, convertTool, jsonModeOf, jsonTool, type JsonMode } from './tools.js';
import type { ConverseRequest, ConverseTool, ConverseToolChoice, InferenceConfig } from './types.js';

/** reasoning_effort -> Claude's thinking budget (LiteLLM's defaults; the minimum budget is 1024). */
export const EFFORT_BUDGET: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192 };
/** maxTokens when thinking is on and the request sets none (the budget must stay below maxTokens). */
const THINKING_HEADROOM = 4096;

export interface ConverseOptions {
  /** The model family from the model id: decides where reasoning and top_k go. */
  family: string;
  dropParams: boolean;
  /** Fields the deployment adds to every request (`additionalModelRequestFields`, `guardrailConfig`, ...). */
  defaults?: Partial<ConverseRequest>;
  /**
   * The deployment's table, compiled once in `prepare` (its `allowed_client_params` reach
   * additionalModelRequestFields); without one, a table allowing no extra client field.
   */
  params?: CompiledParams;
}

export interface ConverseBody {
  body: ConverseRequest;
  jsonMode: JsonMode | null;
}

/**
 * What the compiled table decides after the builder took what it maps itself: OpenAI-only params are
 * refused (or dropped under drop_params); client fields the deployment lists in
 * `allowed_client_params` are model-specific and go to additionalModelRequestFields, as LiteLLM
 * sends unknown params there.
 */
export const CONVERSE_TABLE: ParamTable = {
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
  parallel_tool_calls: { unsupported: true },
  // Gateway-side tagging and OpenAI cache/safety hints, nothing Bedrock reads.
  user: { drop: true },
  metadata: { drop: true },
  safety_identifier: { drop: true },
  prompt_cache_key: { drop: true },
};

/** Params the builder maps itself, or that only Tollgate reads. */
const HANDLED = [
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'response_format', 'stop', 'max_tokens', 'max_completion_tokens',
  'temperature', 'top_p', 'top_k', 'reasoning_effort', 'thinking', 'service_tier',
  'additionalModelRequestFields', 'guardrailConfig', 'performanceConfig', 'requestMetadata',
];
/** Converse fields a request or a deployment may set as they are (LiteLLM passes these through). */
const PASS_THROUGH = ['guardrailConfig', 'performanceConfig', 'requestMetadata'] as const;

/** The Converse table for a deployment: its drop_params and the client fields it allows. */
export function converseParams(dropParams: boolean, allowed?: readonly string[]): CompiledParams {
  return compileParamTable(CONVERSE_TABLE, { dropParams, provider: 'Bedrock', allowed });
}

/** Values that ask for nothing: not refused. */
function isNeutral(key: string, value: unknown): boolean {
  switch (key) {
    case 'logprobs':
    case 'store':
      return value === false;
    case 'parallel_tool_calls':
      return value === true;
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

function refuse(param: string, message: string): BadRequestError {
  return new BadRequestError(message, { param, code: 'unsupported_parameter' });
}

/** Claude's thinking config from `thinking` or `reasoning_effort`. */
function claudeThinking(request: ChatCompletionRequest): { type: string; budget_tokens?: number } | undefined {
  const t = request.thinking;
  if (t && typeof t === 'object') return t;
  const effort = request.reasoning_effort;
  if (!effort || effort === 'none') return undefined;
  return { type: 'enabled', budget_tokens: EFFORT_BUDGET[effort] ?? EFFORT_BUDGET.medium };
}

/** Canonical (OpenAI) request -> Converse body (the model id goes in the URL, not the body). */
export function buildConverseBody(request: ChatCompletionRequest, o: ConverseOptions, ctx: RequestContext | null): ConverseBody {
  const warn = (m: string): void => { ctx?.warnings.push(m); };
  const r = request as Record<string, unknown>;
  const skip = new Set(HANDLED);
  for (const key of ['logprobs', 'store', 'n', 'frequency_penalty', 'presence_penalty', 'modalities', 'parallel_tool_calls']) {
    if (isNeutral(key, r[key])) skip.add(key);
  }
  const { system, messages, calledTools } = convertMessages(request.messages);
  const body: ConverseRequest = { messages };
  if (system.length) body.system = system;
  const extra: Record<string, unknown> = { ...(o.defaults?.additionalModelRequestFields ?? {}), ...((r.additionalModelRequestFields as Record<string, unknown> | undefined) ?? {}) };

  // Reasoning: Claude takes `thinking`, Nova `reasoningConfig`, gpt-oss `reasoning_effort`, each in additionalModelRequestFields.
  const inference: InferenceConfig = {};
  let thinkingOn = false;
  const wantsReasoning = request.thinking != null || (request.reasoning_effort != null && request.reasoning_effort !== 'none');
  if (o.family === 'anthropic') {
    const thinking = claudeThinking(request);
    if (thinking) {
      extra.thinking = thinking;
      thinkingOn = thinking.type === 'enabled' || thinking.type === 'adaptive';
    }
  } else if (wantsReasoning && o.family === 'amazon' && request.reasoning_effort) {
    extra.reasoningConfig = { type: 'enabled', maxReasoningEffort: request.reasoning_effort === 'minimal' ? 'low' : request.reasoning_effort === 'xhigh' ? 'high' : request.reasoning_effort };
  } else if (wantsReasoning && o.family === 'openai' && request.reasoning_effort) {
    extra.reasoning_effort = request.reasoning_effort;
  } else if (wantsReasoning) {
    const param = request.thinking != null ? 'thinking' : 'reasoning_effort';
    if (!o.dropParams) throw refuse(param, `Bedrock does not take '${param}' for ${o.family || 'this'} models. Remove it, or set drop_params: true to drop unsupported parameters.`);
    warn(`dropped unsupported param '${param}'`);
  }

  const requested = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const budget = typeof extra.thinking === 'object' && extra.thinking ? (extra.thinking as { budget_tokens?: number }).budget_tokens : undefined;
  if (thinkingOn && typeof budget === 'number') {
    // Thinking tokens count toward maxTokens, which must exceed the budget.
    if (requested == null) inference.maxTokens = budget + THINKING_HEADROOM;
    else if (requested > budget) inference.maxTokens = requested;
    else {
      inference.maxTokens = budget + requested;
      warn(`raised max_tokens from ${requested} to ${budget + requested}: with thinking it must exceed the thinking budget (${budget})`);
    }
  } else if (requested != null) {
    inference.maxTokens = requested;
  }
  if (request.temperature != null) {
    if (thinkingOn) warn("dropped 'temperature': not allowed with thinking");
    else inference.temperature = request.temperature;
  }
  if (request.top_p != null) {
    if (thinkingOn && request.top_p < 0.95) { inference.topP = 0.95; warn(`clamped 'top_p' from ${request.top_p} to 0.95: required with thinking`); }
    else inference.topP = request.top_p;
  }
  if (request.stop != null) {
    const list = (Array.isArray(request.stop) ? request.stop : [request.stop]).filter((s) => typeof s === 'string' && s !== '');
    if (list.length) inference.stopSequences = list;
  }
  if (request.top_k != null) {
    if (thinkingOn) warn("dropped 'top_k': not allowed with thinking");
    else if (o.family === 'anthropic' || o.family === 'mistral') extra.top_k = request.top_k;
    else if (o.family === 'amazon') extra.inferenceConfig = { ...((extra.inferenceConfig as object | undefined) ?? {}), topK: request.top_k };
    else if (!o.dropParams) throw refuse('top_k', `Bedrock does not take 'top_k' for ${o.family || 'this'} models. Remove it, or set drop_params: true to drop unsupported parameters.`);
    else warn("dropped unsupported param 'top_k'");
  }
  if (Object.keys(inference).length) body.inferenceConfig = inference;

  // Tools, tool_choice and response_format (a JSON tool, as LiteLLM does for Converse).
  const tools: ConverseTool[] = (request.tools ?? []).flatMap(convertTool);
  let toolChoice: ConverseToolChoice | undefined;
  const c = request.tool_choice;
  if (tools.length && c === 'required') toolChoice = { any: {} };
  else if (tools.length && c === 'auto') toolChoice = { auto: {} };
  else if (tools.length && c && typeof c === 'object' && c.function?.name) toolChoice = { tool: { name: c.function.name } };
  else if (tools.length && c === 'none') {
    // Converse has no "none": without tools the model cannot call one, but tool blocks in the history need toolConfig.
    if (calledTools.size === 0) tools.length = 0;
    else if (!o.dropParams) throw refuse('tool_choice', "Bedrock has no tool_choice 'none' for a conversation that already used tools. Remove it, or set drop_params: true to send tool_choice 'auto'.");
    else warn("changed tool_choice 'none' to 'auto': Bedrock has no 'none'");
  }
  const jsonMode = jsonModeOf(request);
  if (jsonMode) {
    const hadTools = tools.length > 0;
    tools.push(jsonTool(request, jsonMode));
    // Forced only when it is the only tool: with the client's own tools the model must stay free to call them.
    if (!hadTools && !thinkingOn) toolChoice = o.family === 'anthropic' || o.family === 'amazon' ? { tool: { name: JSON_TOOL_NAME } } : { any: {} };
  }
  if (!tools.length && calledTools.size) {
    for (const name of calledTools) tools.push({ toolSpec: { name, description: 'A tool used earlier in this conversation.', inputSchema: { json: { type: 'object', properties: {} } } } });
    warn('added placeholder tool definitions for tool calls in the history (the request had no tools)');
  }
  if (thinkingOn && toolChoice && !('auto' in toolChoice)) {
    if (!o.dropParams) throw refuse('tool_choice', 'Bedrock (Claude) does not allow a tool_choice that forces a tool while thinking is enabled. Use tool_choice "auto", or turn thinking off.');
    warn("changed tool_choice to 'auto': forced tool use is not allowed with thinking");
    toolChoice = { auto: {} };
  }
  if (tools.length) body.toolConfig = toolChoice ? { tools, toolChoice } : { tools };

  const tier = request.service_tier;
  if (tier === 'flex' || tier === 'priority' || tier === 'default') body.serviceTier = { type: tier };
  else if (tier != null && tier !== 'auto') warn(`dropped service_tier '${tier}' (Bedrock knows default, flex and priority)`);

  for (const k of PASS_THROUGH) {
    const v = r[k] ?? o.defaults?.[k];
    if (v != null) (body as unknown as Record<string, unknown>)[k] = v;
  }
  (o.params ?? converseParams(o.dropParams)).apply(r, extra, ctx, skip);
  if (Object.keys(extra).length) body.additionalModelRequestFields = extra;
  return { body, jsonMode };
}
