/**
 * Request validation for the Anthropic mock: what api.anthropic.com refuses, with its envelope
 * (`{"type":"error","error":{"type","message"}}`) and, where known, its wording (field paths like
 * `messages.1.content.0.type`, pydantic-style "Field required" / "Extra inputs are not permitted").
 * Sources: the Messages API reference and `@anthropic-ai/sdk` types, the extended-thinking and
 * tool-use docs, and real error bodies quoted in public issues.
 */
import { HttpError } from './http.js';

export function anthropicError(status: number, type: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, { type: 'error', error: { type, message }, request_id: 'req_mock' }, headers);
}
const invalid = (message: string) => anthropicError(400, 'invalid_request_error', message);

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const THINKING_DOCS = 'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

const TOP_LEVEL = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'output_config', 'cache_control',
  'context_management', 'inference_geo', 'speed',
]);
/** count_tokens takes the prompt only. */
const COUNT_TOP_LEVEL = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers', 'output_config', 'cache_control', 'context_management']);

const BLOCK_KEYS: Record<string, string[]> = {
  text: ['type', 'text', 'cache_control', 'citations'],
  image: ['type', 'source', 'cache_control'],
  document: ['type', 'source', 'cache_control', 'title', 'context', 'citations'],
  tool_use: ['type', 'id', 'name', 'input', 'cache_control'],
  tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
  thinking: ['type', 'thinking', 'signature'],
  redacted_thinking: ['type', 'data'],
};
const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result']);
const ASSISTANT_BLOCKS = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking']);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function extra(obj: Record<string, unknown>, allowed: Iterable<string>, path: string): void {
  const ok = new Set(allowed);
  for (const k of Object.keys(obj)) if (!ok.has(k)) throw invalid(`${path ? `${path}.` : ''}${k}: Extra inputs are not permitted`);
}

/** What the validator learned that the reply needs. */
export interface Validated {
  /** Messages with consecutive same-role turns merged and string content as text blocks. */
  turns: Array<{ role: 'user' | 'assistant'; content: any[] }>;
  cacheBreakpoints: number;
  thinking: boolean;
}

export interface ValidateOptions {
  /** Signatures / redacted data this mock issued: thinking blocks sent back must carry one. */
  issued: Set<string>;
  countTokens: boolean;
}

export function validateMessages(body: Record<string, any>, o: ValidateOptions): Validated {
  extra(body, o.countTokens ? COUNT_TOP_LEVEL : TOP_LEVEL, '');
  if (body.model === undefined) throw invalid('model: Field required');
  if (typeof body.model !== 'string' || !body.model) throw invalid('model: Input should be a valid string');
  if (!o.countTokens) {
    if (body.max_tokens === undefined) throw invalid('max_tokens: Field required');
    if (!Number.isInteger(body.max_tokens)) throw invalid('max_tokens: Input should be a valid integer');
    if (body.max_tokens < 1) throw invalid('max_tokens: Input should be greater than or equal to 1');
  }
  if (body.messages === undefined) throw invalid('messages: Field required');
  if (!Array.isArray(body.messages)) throw invalid('messages: Input should be a valid list');
  if (body.messages.length === 0) throw invalid('messages: at least one message is required');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid('stream: Input should be a valid boolean');

  let breakpoints = 0;
  const cache = (v: unknown, path: string): void => {
    if (v === undefined || v === null) return;
    if (!isObject(v) || v.type !== 'ephemeral') throw invalid(`${path}.type: Input should be 'ephemeral'`);
    extra(v, ['type', 'ttl'], path);
    if (v.ttl !== undefined && v.ttl !== '5m' && v.ttl !== '1h') throw invalid(`${path}.ttl: Input should be '5m' or '1h'`);
    breakpoints++;
  };

  // system: a string or text blocks, top-level only.
  if (body.system !== undefined) {
    if (Array.isArray(body.system)) {
      body.system.forEach((b: any, i: number) => {
        const p = `system.${i}`;
        if (!isObject(b) || b.type !== 'text') throw invalid(`${p}.type: Input should be 'text'`);
        extra(b, BLOCK_KEYS.text, p);
        if (typeof b.text !== 'string' || !b.text) throw invalid(`${p}.text: text content blocks must be non-empty`);
        cache(b.cache_control, `${p}.cache_control`);
      });
    } else if (typeof body.system !== 'string') {
      throw invalid('system: Input should be a valid string or a list of text blocks');
    }
  }
  if (body.metadata !== undefined) {
    if (!isObject(body.metadata)) throw invalid('metadata: Input should be a valid dictionary');
    extra(body.metadata, ['user_id'], 'metadata');
    if (body.metadata.user_id != null && typeof body.metadata.user_id !== 'string') throw invalid('metadata.user_id: Input should be a valid string');
  }
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s: unknown) => typeof s !== 'string')) throw invalid('stop_sequences: Input should be a valid list of strings');
    if (body.stop_sequences.some((s: string) => !s.trim())) throw invalid('stop_sequences: each stop sequence must contain non-whitespace');
  }
  const num = (k: string, min: number, max: number, integer = false): void => {
    const v = body[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || (integer && !Number.isInteger(v))) throw invalid(`${k}: Input should be a valid ${integer ? 'integer' : 'number'}`);
    if (v < min) throw invalid(`${k}: Input should be greater than or equal to ${min}`);
    if (v > max) throw invalid(`${k}: Input should be less than or equal to ${max}`);
  };
  num('temperature', 0, 1);
  num('top_p', 0, 1);
  num('top_k', 1, Number.MAX_SAFE_INTEGER, true);
  if (body.service_tier !== undefined && body.service_tier !== 'auto' && body.service_tier !== 'standard_only') {
    throw invalid("service_tier: Input should be 'auto' or 'standard_only'");
  }
  cache(body.cache_control, 'cache_control');

  // tools and tool_choice
  const toolNames = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw invalid('tools: Input should be a valid list');
    body.tools.forEach((t: any, i: number) => {
      const p = `tools.${i}.custom`;
      if (!isObject(t)) throw invalid(`tools.${i}: Input should be a valid dictionary`);
      extra(t, ['type', 'name', 'description', 'input_schema', 'cache_control'], p);
      if (t.type !== undefined && t.type !== 'custom' && t.type !== null) throw invalid(`tools.${i}.type: Input tag '${t.type}' found using 'type' does not match any of the expected tags`);
      if (typeof t.name !== 'string') throw invalid(`${p}.name: Field required`);
      if (!TOOL_NAME.test(t.name)) throw invalid(`${p}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      if (toolNames.has(t.name)) throw invalid('tools: Tool names must be unique.');
      toolNames.add(t.name);
      if (t.description !== undefined && typeof t.description !== 'string') throw invalid(`${p}.description: Input should be a valid string`);
      if (!isObject(t.input_schema)) throw invalid(`${p}.input_schema: Field required`);
      if (t.input_schema.type !== 'object') throw invalid(`${p}.input_schema.type: Input should be 'object'`);
      cache(t.cache_control, `${p}.cache_control`);
    });
  }
  const tc = body.tool_choice;
  if (tc !== undefined) {
    if (!isObject(tc) || !['auto', 'any', 'tool', 'none'].includes(tc.type)) throw invalid("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
    extra(tc, tc.type === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : tc.type === 'none' ? ['type'] : ['type', 'disable_parallel_tool_use'], `tool_choice.${tc.type}`);
    if (tc.type === 'tool' && (typeof tc.name !== 'string' || !toolNames.has(tc.name))) throw invalid(`tool_choice.tool.name: Tool '${tc.name}' not found in tools`);
  }

  // thinking
  let thinking = false;
  const th = body.thinking;
  if (th !== undefined) {
    if (!isObject(th) || !['enabled', 'disabled', 'adaptive'].includes(th.type)) throw invalid("thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'");
    if (th.type === 'enabled') {
      extra(th, ['type', 'budget_tokens', 'display'], 'thinking.enabled');
      if (!Number.isInteger(th.budget_tokens)) throw invalid('thinking.enabled.budget_tokens: Field required');
      if (th.budget_tokens < 1024) throw invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (!o.countTokens && th.budget_tokens >= body.max_tokens) {
        throw invalid(`\`max_tokens\` must be greater than \`thinking.budget_tokens\`. ${THINKING_DOCS}#max-tokens-and-context-window-size`);
      }
    }
    thinking = th.type !== 'disabled';
  }
  if (thinking) {
    if (body.temperature !== undefined && body.temperature !== 1) throw invalid(`\`temperature\` may only be set to 1 when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`);
    if (body.top_k !== undefined) throw invalid(`\`top_k\` must be unset when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`);
    if (body.top_p !== undefined && body.top_p < 0.95) throw invalid(`\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`);
    if (tc && (tc.type === 'any' || tc.type === 'tool')) throw invalid('Thinking may not be enabled when tool_choice forces tool use.');
  }

  // messages: shapes per role, then merged turns (the API combines consecutive same-role turns).
  const turns: Validated['turns'] = [];
  let usesTools = false;
  body.messages.forEach((m: any, i: number) => {
    const p = `messages.${i}`;
    if (!isObject(m)) throw invalid(`${p}: Input should be a valid dictionary`);
    if (m.role === 'system') {
      throw invalid('Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.');
    }
    if (m.role !== 'user' && m.role !== 'assistant') throw invalid(`${p}.role: Input should be 'user' or 'assistant'`);
    extra(m, ['role', 'content'], p);
    if (m.content === undefined) throw invalid(`${p}.content: Field required`);
    let blocks: any[];
    if (typeof m.content === 'string') {
      blocks = m.content ? [{ type: 'text', text: m.content }] : [];
    } else if (Array.isArray(m.content)) {
      blocks = m.content;
    } else {
      throw invalid(`${p}.content: Input should be a valid string or a list of content blocks`);
    }
    const final = i === body.messages.length - 1 && m.role === 'assistant';
    if (blocks.length === 0 && !final) throw invalid(`${p}: all messages must have non-empty content except for the optional final assistant message`);
    const allowed = m.role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
    blocks.forEach((b: any, j: number) => {
      const bp = `${p}.content.${j}`;
      if (!isObject(b) || typeof b.type !== 'string') throw invalid(`${bp}: Input should be a valid dictionary`);
      if (!allowed.has(b.type)) throw invalid(`${bp}.type: '${b.type}' blocks are not allowed in ${m.role} messages`);
      extra(b, BLOCK_KEYS[b.type], bp);
      validateBlock(b, bp, cache);
      if (b.type === 'tool_use' || b.type === 'tool_result') usesTools = true;
    });
    const prev = turns[turns.length - 1];
    if (prev && prev.role === m.role) prev.content.push(...blocks);
    else turns.push({ role: m.role, content: [...blocks] });
  });
  if (usesTools && toolNames.size === 0) throw invalid('Requests which include `tool_use` or `tool_result` blocks must define tools.');
  if (breakpoints > 4) throw invalid(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`);

  checkToolPairs(turns);
  checkThinking(turns, thinking, o.issued);
  if (thinking && !o.countTokens && turns[turns.length - 1].role === 'assistant') {
    throw invalid(`When thinking is enabled, the final message cannot be an \`assistant\` message (prefill is not supported with thinking). ${THINKING_DOCS}`);
  }
  return { turns, cacheBreakpoints: breakpoints, thinking };
}

function validateBlock(b: Record<string, any>, bp: string, cache: (v: unknown, path: string) => void): void {
  cache(b.cache_control, `${bp}.cache_control`);
  switch (b.type) {
    case 'text':
      if (typeof b.text !== 'string') throw invalid(`${bp}.text: Field required`);
      if (!b.text) throw invalid(`${bp}.text: text content blocks must be non-empty`);
      break;
    case 'image': {
      const s = b.source;
      if (!isObject(s)) throw invalid(`${bp}.source: Field required`);
      if (s.type === 'base64') {
        extra(s, ['type', 'media_type', 'data'], `${bp}.source.base64`);
        if (!IMAGE_TYPES.has(s.media_type)) throw invalid(`${bp}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
        if (typeof s.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(s.data)) throw invalid(`${bp}.source.base64.data: The image data is not valid base64`);
      } else if (s.type === 'url') {
        extra(s, ['type', 'url'], `${bp}.source.url`);
        if (typeof s.url !== 'string' || !/^https?:\/\//.test(s.url)) throw invalid(`${bp}.source.url.url: Input should be a valid URL`);
      } else {
        throw invalid(`${bp}.source: Input tag '${s.type}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`);
      }
      break;
    }
    case 'document': {
      const s = b.source;
      if (!isObject(s)) throw invalid(`${bp}.source: Field required`);
      if (s.type === 'base64' && s.media_type !== 'application/pdf') throw invalid(`${bp}.source.base64.media_type: Input should be 'application/pdf'`);
      if (s.type === 'text' && s.media_type !== 'text/plain') throw invalid(`${bp}.source.text.media_type: Input should be 'text/plain'`);
      if (!['base64', 'text', 'url', 'content'].includes(s.type)) throw invalid(`${bp}.source: Input tag '${s.type}' found using 'type' does not match any of the expected tags`);
      break;
    }
    case 'tool_use':
      if (typeof b.id !== 'string' || !b.id) throw invalid(`${bp}.id: Field required`);
      if (typeof b.name !== 'string' || !TOOL_NAME.test(b.name)) throw invalid(`${bp}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      if (!isObject(b.input)) throw invalid(`${bp}.tool_use.input: Input should be a valid dictionary`);
      break;
    case 'tool_result':
      if (typeof b.tool_use_id !== 'string') throw invalid(`${bp}.tool_use_id: Field required`);
      if (b.content !== undefined && typeof b.content !== 'string' && !Array.isArray(b.content)) throw invalid(`${bp}.content: Input should be a valid string or list`);
      if (Array.isArray(b.content)) {
        b.content.forEach((c: any, k: number) => {
          if (!isObject(c) || !['text', 'image', 'document'].includes(c.type)) throw invalid(`${bp}.content.${k}.type: Input should be 'text', 'image' or 'document'`);
          validateBlock(c, `${bp}.content.${k}`, cache);
        });
      }
      break;
    case 'thinking':
      if (typeof b.thinking !== 'string') throw invalid(`${bp}.thinking: Field required`);
      if (typeof b.signature !== 'string') throw invalid(`${bp}.signature: Field required`);
      break;
    case 'redacted_thinking':
      if (typeof b.data !== 'string') throw invalid(`${bp}.data: Field required`);
      break;
  }
}

/** Every tool_use needs its tool_result in the very next (user) turn, and every tool_result a tool_use. */
function checkToolPairs(turns: Validated['turns']): void {
  turns.forEach((t, i) => {
    if (t.role === 'user') {
      const results = t.content.filter((b) => b.type === 'tool_result');
      if (!results.length) return;
      const prev = turns[i - 1];
      const ids = new Set(prev?.role === 'assistant' ? prev.content.filter((b) => b.type === 'tool_use').map((b) => b.id) : []);
      const j = t.content.findIndex((b) => b.type === 'tool_result' && !ids.has(b.tool_use_id));
      if (j !== -1) {
        throw invalid(
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${t.content[j].tool_use_id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        );
      }
      const firstOther = t.content.findIndex((b) => b.type !== 'tool_result');
      const lastResult = t.content.map((b) => b.type).lastIndexOf('tool_result');
      if (firstOther !== -1 && firstOther < lastResult) {
        throw invalid(`messages.${i}: tool_result blocks must come before any other content in a user message`);
      }
      return;
    }
    const uses = t.content.filter((b) => b.type === 'tool_use').map((b) => b.id as string);
    if (!uses.length || i === turns.length - 1) return;
    const next = turns[i + 1];
    const answered = new Set(next.content.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id));
    const missing = uses.filter((id) => !answered.has(id));
    if (missing.length) {
      throw invalid(
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
          'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
      );
    }
  });
}

/**
 * Thinking blocks must be ones the API issued (signature check), and with thinking on, an assistant
 * turn that used tools and is answered by the final tool_result turn must start with a thinking block.
 */
function checkThinking(turns: Validated['turns'], thinking: boolean, issued: Set<string>): void {
  turns.forEach((t, i) => {
    if (t.role !== 'assistant') return;
    t.content.forEach((b, j) => {
      if (b.type === 'thinking' && !issued.has(b.signature)) throw invalid(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
      if (b.type === 'redacted_thinking' && !issued.has(b.data)) throw invalid(`messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`);
    });
  });
  if (!thinking) return;
  const last = turns.length - 1;
  if (last < 1 || turns[last].role !== 'user' || !turns[last].content.some((b) => b.type === 'tool_result')) return;
  const a = turns[last - 1];
  if (a.role !== 'assistant' || !a.content.some((b) => b.type === 'tool_use')) return;
  const first = a.content[0];
  if (first.type !== 'thinking' && first.type !== 'redacted_thinking') {
    throw invalid(
      `messages.${last - 1}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.type}\`. When \`thinking\` is enabled, ` +
        'a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
        'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. ' +
        THINKING_DOCS,
    );
  }
}
