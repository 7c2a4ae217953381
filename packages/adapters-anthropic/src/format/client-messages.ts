/**
 * An Anthropic client's `system` and `messages` as canonical messages (the inverse of
 * convertMessages): tool_result blocks become tool messages, tool_use blocks tool calls.
 */
import type { AssistantMessage, ChatMessage, TextContentPart, ThinkingBlock, ToolCall, UserContentPart } from '@tollgate/core';
import { invalid, isObject, optString, show, textOf, type Json } from './check.js';
import { cacheControlOf, mediaPart, setThinking, toolCallOf, withCache } from './content.js';

function textPart(b: Json, p: string): TextContentPart {
  return withCache<TextContentPart>({ type: 'text', text: textOf(b, p) }, cacheControlOf(b));
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
        parts.push(textPart(b, bp));
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
            if (c.type === 'text') texts.push(textPart(c, `${bp}.content.${k}`));
            // OpenAI tool messages carry text only: media from a tool result follows as user content.
            else parts.push(mediaPart(c, `${bp}.content.${k}`));
          });
          text = texts;
        }
        const cache = cacheControlOf(b);
        if (b.cache_control && Array.isArray(text) && text.length) text[text.length - 1] = withCache(text[text.length - 1], cache);
        if (b.cache_control && typeof text === 'string' && text) text = [withCache<TextContentPart>({ type: 'text', text }, cache)];
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
        texts.push(textPart(b, bp));
        break;
      case 'tool_use':
        if (typeof b.id !== 'string' || typeof b.name !== 'string') throw invalid(`${bp}: tool_use blocks need an id and a name`, bp);
        calls.push(toolCallOf({ id: b.id, name: b.name, input: b.input }));
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
  setThinking(m, thinking);
  return m;
}

/** `system` (a string or text blocks) as the first canonical message, when it says anything. */
function systemMessages(system: unknown): ChatMessage[] {
  if (typeof system === 'string') return system ? [{ role: 'system', content: system }] : [];
  if (Array.isArray(system)) {
    const parts = system.map((b: unknown, i: number) => {
      if (!isObject(b) || b.type !== 'text') throw invalid(`system.${i}.type: Input should be 'text'`, `system.${i}`);
      return textPart(b, `system.${i}`);
    });
    return parts.length ? [{ role: 'system', content: parts }] : [];
  }
  if (system !== undefined) throw invalid('system: Input should be a valid string or a list of text blocks', 'system');
  return [];
}

/** A client's `system` and `messages` (checked to be a non-empty array) as canonical messages. */
export function messagesFromAnthropic(system: unknown, messages: unknown[]): ChatMessage[] {
  const out = systemMessages(system);
  messages.forEach((m, i) => {
    const p = `messages.${i}`;
    if (!isObject(m)) throw invalid(`${p}: Input should be a valid dictionary`, p);
    if (m.role === 'system') {
      throw invalid('Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.', `${p}.role`);
    }
    if (m.role !== 'user' && m.role !== 'assistant') throw invalid(`${p}.role: Input should be 'user' or 'assistant'`, `${p}.role`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) throw invalid(`${p}.content: Input should be a valid string or a list of content blocks`, `${p}.content`);
    if (m.role === 'user') out.push(...userMessages(m.content, p));
    else out.push(assistantMessage(m.content, p));
  });
  return out;
}
