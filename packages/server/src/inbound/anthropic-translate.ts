/**
 * Anthropic Messages format at the server edge: validate a `/v1/messages` body and translate it to
 * the canonical (OpenAI) request every plugin sees, and a canonical answer back to an Anthropic Message.
 * Field names follow the Messages API reference and `@anthropic-ai/sdk` types.
 */
import {
  BadRequestError,
  type AssistantMessage,
  type ChatCompletion,
  type ChatCompletionRequest,
  type ChatMessage,
  type TextContentPart,
  type ThinkingBlock,
  type Tool,
  type ToolCall,
  type UserContentPart,
} from '@tollgate/core';
import { stopReasonOf, toAnthropicUsage } from '@tollgate/adapter-anthropic';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string, param?: string) => new BadRequestError(message, { param: param ?? null });

/** Every top-level field of the Messages API; the ones without a canonical counterpart only survive pass-through. */
const FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'output_config',
  'container', 'mcp_servers', 'cache_control', 'context_management', 'inference_geo', 'speed', 'diagnostics',
]);
const PASS_THROUGH_ONLY = ['container', 'mcp_servers', 'cache_control', 'context_management', 'inference_geo', 'speed', 'diagnostics'];

export interface Translated {
  request: ChatCompletionRequest;
  /** Notices for `x-tollgate-warnings` (fields that only survive a same-format pass-through). */
  warnings: string[];
}

function cacheOf(b: Json): { cache_control?: TextContentPart['cache_control'] } {
  return isObject(b.cache_control) ? { cache_control: b.cache_control as TextContentPart['cache_control'] } : {};
}

/** A client's value inside an error message (an object may carry its own toString). */
function show(v: unknown): string {
  return typeof v === 'string' ? v : String(JSON.stringify(v)).slice(0, 100);
}

/** The string fields a media source of this type needs, each checked before use. */
const SOURCE_FIELDS: Readonly<Record<string, readonly string[]>> = { base64: ['media_type', 'data'], url: ['url'], text: ['data'] };

function mediaPart(b: Json, p: string): UserContentPart {
  const s = b.source;
  if (!isObject(s)) throw invalid(`${p}.source: Field required`, `${p}.source`);
  for (const f of (typeof s.type === 'string' && Object.hasOwn(SOURCE_FIELDS, s.type) ? SOURCE_FIELDS[s.type] : [])) {
    if (typeof s[f] !== 'string') throw invalid(`${p}.source.${f}: Input should be a valid string`, `${p}.source.${f}`);
  }
  if (b.type === 'image') {
    if (s.type === 'base64') return { type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` }, ...cacheOf(b) };
    if (s.type === 'url') return { type: 'image_url', image_url: { url: s.url }, ...cacheOf(b) };
    throw invalid(`${p}.source.type: image sources of type '${show(s.type)}' are not supported by Tollgate`, `${p}.source.type`);
  }
  const filename = typeof b.title === 'string' ? { filename: b.title } : {};
  if (s.type === 'base64') return { type: 'file', file: { file_data: `data:${s.media_type};base64,${s.data}`, ...filename }, ...cacheOf(b) };
  if (s.type === 'text') {
    return { type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from(s.data, 'utf8').toString('base64')}`, ...filename }, ...cacheOf(b) };
  }
  // A URL document travels as file_data; the Anthropic adapter turns it back into a URL source.
  if (s.type === 'url') return { type: 'file', file: { file_data: s.url, ...filename }, ...cacheOf(b) };
  throw invalid(`${p}.source.type: document sources of type '${show(s.type)}' are not supported by Tollgate`, `${p}.source.type`);
}

/** A string field that may be absent ('' then). */
function optString(b: Json, key: string, p: string): string {
  const v = b[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(`${p}.${key}: Input should be a valid string`, `${p}.${key}`);
  return v;
}

function textOf(b: Json, p: string): string {
  if (typeof b.text !== 'string') throw invalid(`${p}.text: Field required`, `${p}.text`);
  return b.text;
}

/** A user turn: its tool_result blocks become tool messages (first), the rest one user message. */
function userMessages(content: unknown, p: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const tools: ChatMessage[] = [];
  const parts: UserContentPart[] = [];
  (content as Json[]).forEach((b, j) => {
    const bp = `${p}.content.${j}`;
    if (!isObject(b)) throw invalid(`${bp}: Input should be a valid dictionary`, bp);
    switch (b.type) {
      case 'text':
        parts.push({ type: 'text', text: textOf(b, bp), ...cacheOf(b) });
        break;
      case 'image':
      case 'document':
        parts.push(mediaPart(b, bp));
        break;
      case 'tool_result': {
        if (typeof b.tool_use_id !== 'string') throw invalid(`${bp}.tool_use_id: Field required`, `${bp}.tool_use_id`);
        let text: string | TextContentPart[] = typeof b.content === 'string' ? b.content : '';
        if (Array.isArray(b.content)) {
          const texts: TextContentPart[] = [];
          b.content.forEach((c: unknown, k: number) => {
            if (!isObject(c)) throw invalid(`${bp}.content.${k}: Input should be a valid dictionary`, `${bp}.content.${k}`);
            if (c.type === 'text') texts.push({ type: 'text', text: textOf(c, `${bp}.content.${k}`), ...cacheOf(c) });
            // OpenAI tool messages carry text only: media from a tool result follows as user content.
            else parts.push(mediaPart(c, `${bp}.content.${k}`));
          });
          text = texts;
        }
        if (b.cache_control && Array.isArray(text) && text.length) text[text.length - 1] = { ...text[text.length - 1], ...cacheOf(b) };
        if (b.cache_control && typeof text === 'string' && text) text = [{ type: 'text', text, ...cacheOf(b) }];
        tools.push({ role: 'tool', tool_call_id: b.tool_use_id, content: text });
        break;
      }
      default:
        throw invalid(`${bp}.type: '${show(b.type)}' blocks are not supported in user messages by Tollgate`, `${bp}.type`);
    }
  });
  return parts.length ? [...tools, { role: 'user', content: parts }] : tools;
}

function assistantMessage(content: unknown, p: string): AssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: TextContentPart[] = [];
  const calls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  (content as Json[]).forEach((b, j) => {
    const bp = `${p}.content.${j}`;
    if (!isObject(b)) throw invalid(`${bp}: Input should be a valid dictionary`, bp);
    switch (b.type) {
      case 'text':
        texts.push({ type: 'text', text: textOf(b, bp), ...cacheOf(b) });
        break;
      case 'tool_use':
        if (typeof b.id !== 'string' || typeof b.name !== 'string') throw invalid(`${bp}: tool_use blocks need an id and a name`, bp);
        calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
        break;
      case 'thinking':
        thinking.push({ type: 'thinking', thinking: optString(b, 'thinking', bp), signature: optString(b, 'signature', bp) });
        break;
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: optString(b, 'data', bp) });
        break;
      default:
        throw invalid(`${bp}.type: '${show(b.type)}' blocks are not supported in assistant messages by Tollgate`, `${bp}.type`);
    }
  });
  const cached = texts.some((t) => t.cache_control);
  const m: AssistantMessage = { role: 'assistant', content: cached ? texts : texts.length ? texts.map((t) => t.text).join('') : null };
  if (calls.length) m.tool_calls = calls;
  if (thinking.length) {
    m.thinking_blocks = thinking;
    const reasoning = thinking.filter((t) => t.type === 'thinking').map((t) => t.thinking).join('');
    if (reasoning) m.reasoning_content = reasoning;
  }
  return m;
}

function tools(list: unknown): Tool[] {
  if (!Array.isArray(list)) throw invalid('tools: Input should be a valid list', 'tools');
  return list.map((t: Json, i: number) => {
    if (!isObject(t)) throw invalid(`tools.${i}: Input should be a valid dictionary`, `tools.${i}`);
    // Anthropic server tools (web_search_..., bash_...) keep their own shape; only an Anthropic upstream understands them.
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') return t as unknown as Tool;
    if (typeof t.name !== 'string') throw invalid(`tools.${i}.name: Field required`, `tools.${i}.name`);
    const fn: Tool['function'] = { name: t.name, parameters: isObject(t.input_schema) ? t.input_schema : { type: 'object', properties: {} } };
    if (typeof t.description === 'string') fn.description = t.description;
    return { type: 'function', function: fn, ...cacheOf(t) };
  });
}

function toolChoice(tc: Json, out: ChatCompletionRequest): void {
  if (!isObject(tc)) throw invalid('tool_choice: Input should be a valid dictionary', 'tool_choice');
  if (tc.type === 'auto') out.tool_choice = 'auto';
  else if (tc.type === 'any') out.tool_choice = 'required';
  else if (tc.type === 'none') out.tool_choice = 'none';
  else if (tc.type === 'tool' && typeof tc.name === 'string') out.tool_choice = { type: 'function', function: { name: tc.name } };
  else throw invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", 'tool_choice');
  if (tc.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
}

/** Anthropic server tools (web_search_..., bash_..., code_execution_...) in a translated request, as `tools.N (type)`. */
export function serverToolsOf(request: ChatCompletionRequest): string[] {
  const out: string[] = [];
  request.tools?.forEach((t, i) => { if (t.type !== 'function') out.push(`tools.${i} (${String(t.type)})`); });
  return out;
}

/**
 * Validate an Anthropic request (Anthropic's own wording where it has one) and translate it.
 * `countTokens` drops the requirements that only generation has (max_tokens).
 */
export function anthropicToCanonical(body: unknown, countTokens = false): Translated {
  if (!isObject(body)) throw invalid('Request body must be a JSON object.');
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) throw invalid(`${k}: Extra inputs are not permitted`, k);
  if (typeof body.model !== 'string' || !body.model) throw invalid('model: Field required', 'model');
  if (!countTokens) {
    if (body.max_tokens === undefined) throw invalid('max_tokens: Field required', 'max_tokens');
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) throw invalid('max_tokens: Input should be an integer greater than or equal to 1', 'max_tokens');
  }
  if (!Array.isArray(body.messages)) throw invalid('messages: Field required', 'messages');
  if (body.messages.length === 0) throw invalid('messages: at least one message is required', 'messages');

  const messages: ChatMessage[] = [];
  if (typeof body.system === 'string') {
    if (body.system) messages.push({ role: 'system', content: body.system });
  } else if (Array.isArray(body.system)) {
    const parts = body.system.map((b: Json, i: number) => {
      if (!isObject(b) || b.type !== 'text') throw invalid(`system.${i}.type: Input should be 'text'`, `system.${i}`);
      return { type: 'text' as const, text: textOf(b, `system.${i}`), ...cacheOf(b) };
    });
    if (parts.length) messages.push({ role: 'system', content: parts });
  } else if (body.system !== undefined) {
    throw invalid('system: Input should be a valid string or a list of text blocks', 'system');
  }
  body.messages.forEach((m: unknown, i: number) => {
    const p = `messages.${i}`;
    if (!isObject(m)) throw invalid(`${p}: Input should be a valid dictionary`, p);
    if (m.role === 'system') {
      throw invalid('Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.', `${p}.role`);
    }
    if (m.role !== 'user' && m.role !== 'assistant') throw invalid(`${p}.role: Input should be 'user' or 'assistant'`, `${p}.role`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) throw invalid(`${p}.content: Input should be a valid string or a list of content blocks`, `${p}.content`);
    if (m.role === 'user') messages.push(...userMessages(m.content, p));
    else messages.push(assistantMessage(m.content, p));
  });

  const out: ChatCompletionRequest = { model: body.model, messages };
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
    // The encoder needs usage for message_delta, whatever the client asked for.
    out.stream_options = { include_usage: true };
  }
  if (isObject(body.thinking)) out.thinking = body.thinking as ChatCompletionRequest['thinking'];
  if (body.tools !== undefined) {
    const list = tools(body.tools);
    if (list.length) out.tools = list;
  }
  if (body.tool_choice !== undefined) toolChoice(body.tool_choice, out);
  if (body.service_tier !== undefined) out.service_tier = body.service_tier;
  const oc = body.output_config;
  if (isObject(oc)) {
    if (isObject(oc.format) && oc.format.type === 'json_schema' && isObject(oc.format.schema)) {
      out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: oc.format.schema } };
    }
    if (oc.effort !== undefined) warnings.push("'output_config.effort' only reaches an Anthropic upstream in pass-through");
  }
  for (const k of PASS_THROUGH_ONLY) {
    if (body[k] !== undefined) warnings.push(`'${k}' only reaches an Anthropic upstream in pass-through`);
  }
  return { request: out, warnings };
}

// ------------------------------------------------------------------ canonical answer -> Anthropic

export function messageId(id: string | undefined): string {
  return id && id.startsWith('msg_') ? id : `msg_${id || Date.now().toString(36)}`;
}

function parseInput(args: string): unknown {
  try {
    const v = JSON.parse(args || '{}') as unknown;
    return v && typeof v === 'object' ? v : { value: v };
  } catch {
    return {};
  }
}

/** A canonical ChatCompletion as an Anthropic Message (thinking first, then text, then tool_use). */
export function canonicalToAnthropic(r: ChatCompletion): Json {
  const choice = r.choices[0];
  const m = choice?.message;
  const content: Json[] = [];
  if (m?.thinking_blocks?.length) {
    for (const t of m.thinking_blocks) {
      if (t.type === 'redacted_thinking') content.push({ type: 'redacted_thinking', data: t.data ?? '' });
      else content.push({ type: 'thinking', thinking: t.thinking ?? '', signature: t.signature ?? '' });
    }
  } else if (m?.reasoning_content) {
    // Reasoning from a provider without signatures: shown, but it cannot be verified if sent back to Anthropic.
    content.push({ type: 'thinking', thinking: m.reasoning_content, signature: '' });
  }
  const text = m?.content ?? m?.refusal;
  if (text) content.push({ type: 'text', text });
  for (const tc of m?.tool_calls ?? []) content.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseInput(tc.function.arguments) });
  return {
    id: messageId(r.id),
    type: 'message',
    role: 'assistant',
    model: r.model,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(r.usage),
  };
}

/** count_tokens: a character estimate (ceil(chars / 4)) over every text the model would read. */
export function estimateInputTokens(body: Json): number {
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
