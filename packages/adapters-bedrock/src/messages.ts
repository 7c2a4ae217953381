import { BadRequestError, type ChatMessage } from '@tollgate/core';
import { cachePointOf, textBlocks, userBlocks } from './content.js';
import type { ContentBlock, Message, SystemBlock } from './types.js';

function toolInput(args: string, where: string): Record<string, unknown> {
  if (!args || !args.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    throw new BadRequestError(`${where}.function.arguments is not valid JSON.`, { param: `${where}.function.arguments` });
  }
  // Converse's toolUse.input is a JSON object.
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BadRequestError(`${where}.function.arguments must be a JSON object for Bedrock.`, { param: `${where}.function.arguments` });
  return v as Record<string, unknown>;
}

function assistantBlocks(m: Extract<ChatMessage, { role: 'assistant' }>, where: string): ContentBlock[] {
  const out: ContentBlock[] = [];
  // Reasoning goes back first and unchanged: Claude checks signatures, and with tools it wants the
  // turn to start with its thinking block.
  for (const tb of m.thinking_blocks ?? []) {
    if (tb.type === 'thinking' && typeof tb.signature === 'string' && tb.signature) {
      out.push({ reasoningContent: { reasoningText: { text: tb.thinking ?? '', signature: tb.signature } } });
    } else if (tb.type === 'redacted_thinking' && tb.data) {
      out.push({ reasoningContent: { redactedContent: tb.data } });
    }
  }
  const c = m.content;
  if (typeof c === 'string') {
    if (c.trim()) out.push({ text: c });
  } else if (Array.isArray(c)) {
    for (const p of c) {
      if (p.type === 'text' && p.text && p.text.trim()) out.push({ text: p.text });
      else if (p.type === 'refusal' && p.refusal) out.push({ text: p.refusal });
    }
  }
  (m.tool_calls ?? []).forEach((tc, j) => {
    out.push({ toolUse: { toolUseId: tc.id, name: tc.function.name, input: toolInput(tc.function.arguments, `${where}.tool_calls[${j}]`) } });
  });
  return out;
}

export interface ConvertedMessages {
  system: SystemBlock[];
  messages: Message[];
  /** Names of tools called in the history (Converse needs toolConfig whenever tool blocks appear). */
  calledTools: Set<string>;
}

/**
 * OpenAI messages -> Converse `system` + strictly alternating turns (Converse refuses two turns of
 * one role in a row, unlike Anthropic's API it does not merge them). System and developer messages
 * move to `system`; tool results become toolResult blocks of a user turn, placed before the turn's
 * other content; a message-level cache_control adds a cachePoint after the message's blocks.
 */
export function convertMessages(messages: ChatMessage[]): ConvertedMessages {
  const system: SystemBlock[] = [];
  const turns: Message[] = [];
  const calledTools = new Set<string>();
  const docs = { n: 0 };
  const push = (role: 'user' | 'assistant', blocks: ContentBlock[], cache: unknown): void => {
    if (blocks.length === 0) return;
    const cp = cachePointOf(cache as { ttl?: string } | undefined);
    if (cp && !('cachePoint' in blocks[blocks.length - 1])) blocks.push(cp);
    const prev = turns[turns.length - 1];
    if (prev && prev.role === role) prev.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    const cache = (m as { cache_control?: unknown }).cache_control;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const blocks = textBlocks(m.content, `${where}.content`) as SystemBlock[];
        const cp = cachePointOf(cache as { ttl?: string } | undefined);
        if (cp && blocks.length && !('cachePoint' in blocks[blocks.length - 1])) blocks.push(cp);
        system.push(...blocks);
        break;
      }
      case 'user':
        push('user', userBlocks(m.content, `${where}.content`, docs), cache);
        break;
      case 'assistant':
        for (const tc of m.tool_calls ?? []) calledTools.add(tc.function.name);
        push('assistant', assistantBlocks(m, where), cache);
        break;
      case 'tool': {
        const content = typeof m.content === 'string' ? (m.content ? [{ text: m.content }] : []) : (textBlocks(m.content, `${where}.content`).filter((b) => 'text' in b) as Array<{ text: string }>);
        push('user', [{ toolResult: { toolUseId: m.tool_call_id, content } }], cache);
        break;
      }
      default:
        throw new BadRequestError(`${where}: role '${m.role}' (legacy function calling) is not supported for Bedrock; use tools.`, { param: `${where}.role` });
    }
  });
  for (const t of turns) {
    // Tool results answer the previous turn's tool calls and come first in their user turn.
    if (t.role === 'user' && t.content.some((b) => 'toolResult' in b)) {
      t.content = [...t.content.filter((b) => 'toolResult' in b), ...t.content.filter((b) => !('toolResult' in b))];
    }
  }
  return { system, messages: turns, calledTools };
}
