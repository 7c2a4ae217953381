/**
 * An Anthropic client's `/v1/messages` body: checked (Anthropic's own wording where it has one) and
 * translated to the canonical (OpenAI) request every plugin sees. Field names follow the Messages
 * API reference and `@anthropic-ai/sdk` types.
 */
import type { ChatCompletionRequest } from '@tollgate/core';
import { invalid, isObject, type Json } from './check.js';
import { messagesFromAnthropic } from './client-messages.js';
import { responseFormatOf } from './json-mode.js';
import { toolChoiceFromAnthropic, toolsFromAnthropic } from './tools.js';

/** Fields of the Messages API without a canonical counterpart: they only survive a same-format pass-through. */
const PASS_THROUGH_ONLY = ['container', 'mcp_servers', 'cache_control', 'context_management', 'inference_geo', 'speed', 'diagnostics'];

/** Every top-level field of the Messages API. */
const FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'output_config', ...PASS_THROUGH_ONLY,
]);

export interface TranslatedRequest {
  request: ChatCompletionRequest;
  /** Notices for `x-tollgate-warnings` (fields that only survive a same-format pass-through). */
  warnings: string[];
}

/**
 * Check an Anthropic client's request and translate it. `countTokens` drops the requirements that
 * only generation has (max_tokens).
 */
export function anthropicRequestToCanonical(body: unknown, countTokens = false): TranslatedRequest {
  if (!isObject(body)) throw invalid('Request body must be a JSON object.');
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) throw invalid(`${k}: Extra inputs are not permitted`, k);
  if (typeof body.model !== 'string' || !body.model) throw invalid('model: Field required', 'model');
  if (!countTokens) {
    if (body.max_tokens === undefined) throw invalid('max_tokens: Field required', 'max_tokens');
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) throw invalid('max_tokens: Input should be an integer greater than or equal to 1', 'max_tokens');
  }
  if (!Array.isArray(body.messages)) throw invalid('messages: Field required', 'messages');
  if (body.messages.length === 0) throw invalid('messages: at least one message is required', 'messages');

  const out: ChatCompletionRequest = { model: body.model, messages: messagesFromAnthropic(body.system, body.messages) };
  const warnings: string[] = [];
  if (!countTokens) out.max_tokens = body.max_tokens;
  for (const k of ['temperature', 'top_p', 'top_k'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (typeof v !== 'number') throw invalid(`${k}: Input should be a valid number`, k);
    out[k] = v;
  }
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s: unknown) => typeof s !== 'string')) {
      throw invalid('stop_sequences: Input should be a valid list of strings', 'stop_sequences');
    }
    if (body.stop_sequences.length) out.stop = body.stop_sequences;
  }
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (body.stream === true) {
    out.stream = true;
    // The event encoder needs usage for message_delta, whatever the client asked for.
    out.stream_options = { include_usage: true };
  }
  if (isObject(body.thinking)) out.thinking = body.thinking as ChatCompletionRequest['thinking'];
  if (body.tools !== undefined) {
    const list = toolsFromAnthropic(body.tools);
    if (list.length) out.tools = list;
  }
  if (body.tool_choice !== undefined) toolChoiceFromAnthropic(body.tool_choice, out);
  if (body.service_tier !== undefined) out.service_tier = body.service_tier;
  const oc = body.output_config;
  if (isObject(oc)) {
    const rf = responseFormatOf(oc);
    if (rf) out.response_format = rf;
    if (oc.effort !== undefined) warnings.push("'output_config.effort' only reaches an Anthropic upstream in pass-through");
  }
  for (const k of PASS_THROUGH_ONLY) {
    if (body[k] !== undefined) warnings.push(`'${k}' only reaches an Anthropic upstream in pass-through`);
  }
  return { request: out, warnings };
}

/** count_tokens: a character estimate (ceil(chars / 4)) over every text the model would read. */
export function estimateAnthropicInputTokens(body: Json): number {
  let chars = 0;
  const add = (v: unknown): void => {
    if (typeof v === 'string') chars += v.length;
    else if (v !== undefined && v !== null) chars += JSON.stringify(v).length;
  };
  const blocks = (c: unknown): void => {
    if (typeof c === 'string') return add(c);
    if (!Array.isArray(c)) return;
    for (const b of c as Json[]) {
      if (b?.type === 'text') add(b.text);
      else if (b?.type === 'thinking') add(b.thinking);
      else if (b?.type === 'tool_use') { add(b.name); add(b.input); }
      else if (b?.type === 'tool_result') blocks(b.content);
    }
  };
  blocks(body.system);
  for (const m of (body.messages ?? []) as Json[]) blocks(m?.content);
  for (const t of (body.tools ?? []) as Json[]) { add(t?.name); add(t?.description); add(t?.input_schema); }
  return Math.ceil(chars / 4);
}
