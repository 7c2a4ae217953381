import { BadRequestError, type ChatMessage } from '@tollgate/core';
import { textBlocks, toolUseOf, userBlocks, withCache } from './content.js';
import type { CacheControl, ContentBlock, MessageParam, TextBlock } from './types.js';

/** A client's own tool call arguments: invalid JSON is theirs to fix, so a 400 naming it. */
function parseArguments(args: string, where: string): unknown {
  if (!args || !args.trim()) return {};
  try {
    return JSON.parse(args);
  } catch {
    throw new BadRequestError(`${where}.function.arguments is not valid JSON.`, { param: `${where}.function.arguments` });
  }
}

function assistantBlocks(m: Extract<ChatMessage, { role: 'assistant' }>, where: string): ContentBlock[] {
  const out: ContentBlock[] = [];
  // Thinking blocks go back first and unchanged: Anthropic checks their signatures, and with tools it
  // requires the last assistant turn to start with one.
  for (const tb of m.thinking_blocks ?? []) {
    if (tb.type === 'thinking' && typeof tb.signature === 'string' && tb.signature) {
      out.push({ type: 'thinking', thinking: tb.thinking ?? '', signature: tb.signature });
    } else if (tb.type === 'redacted_thinking' && tb.data) {
      out.push({ type: 'redacted_thinking', data: tb.data });
    }
  }
  const c = m.content;
  if (typeof c === 'string') {
    if (c) out.push({ type: 'text', text: c });
  } else if (Array.isArray(c)) {
    for (const p of c) {
      if (p.type === 'text' && p.text) out.push(withCache<TextBlock>({ type: 'text', text: p.text }, p.cache_control));
      else if (p.type === 'refusal' && p.refusal) out.push({ type: 'text', text: p.refusal });
    }
  }
  (m.tool_calls ?? []).forEach((tc, j) => {
    out.push(toolUseOf(tc, parseArguments(tc.function.arguments, `${where}.tool_calls[${j}]`)));
  });
  return out;
}

export interface ConvertedMessages {
  system: TextBlock[];
  messages: MessageParam[];
  /** Names of tools called in the history (for placeholder definitions when the request has no tools). */
  calledTools: Set<string>;
}

/**
 * OpenAI messages -> Anthropic `system` + alternating turns. System/developer messages move to the
 * top-level `system`; tool messages become tool_result blocks of a user turn; consecutive turns of one
 * role are merged (several tool results of one step end up in one user message, results first).
 */
export function convertMessages(messages: ChatMessage[]): ConvertedMessages {
  const system: TextBlock[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: ContentBlock[] }> = [];
  const calledTools = new Set<string>();
  const push = (role: 'user' | 'assistant', blocks: ContentBlock[], cache: CacheControl | undefined): void => {
    if (blocks.length === 0) return;
    // A message-level cache_control (LiteLLM's convention) marks the message's last block.
    if (cache) {
      const last = blocks[blocks.length - 1];
      if (last.type !== 'thinking' && last.type !== 'redacted_thinking') blocks[blocks.length - 1] = { ...last, cache_control: cache };
    }
    const prev = turns[turns.length - 1];
    if (prev && prev.role === role) prev.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    const cache = (m as { cache_control?: CacheControl }).cache_control;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const blocks = textBlocks(m.content, `${where}.content`);
        if (cache && blocks.length) blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], cache_control: cache };
        system.push(...blocks);
        break;
      }
      case 'user':
        push('user', userBlocks(m.content, `${where}.content`), cache);
        break;
      case 'assistant':
        for (const tc of m.tool_calls ?? []) calledTools.add(tc.function.name);
        push('assistant', assistantBlocks(m, where), cache);
        break;
      case 'tool': {
        const content = typeof m.content === 'string' ? m.content : textBlocks(m.content, `${where}.content`);
        const block = { type: 'tool_result' as const, tool_use_id: m.tool_call_id, ...(content.length ? { content } : {}) };
        push('user', [block], cache);
        break;
      }
      default:
        throw new BadRequestError(`${where}: role '${m.role}' (legacy function calling) is not supported for Anthropic; use tools.`, { param: `${where}.role` });
    }
  });
  const out: MessageParam[] = turns.map((t) => {
    let content = t.content;
    // Anthropic wants a user turn's tool_result blocks before anything else.
    if (t.role === 'user' && content.some((b) => b.type === 'tool_result')) {
      content = [...content.filter((b) => b.type === 'tool_result'), ...content.filter((b) => b.type !== 'tool_result')];
    }
    const only = content[0];
    if (content.length === 1 && only.type === 'text' && !only.cache_control) return { role: t.role, content: only.text };
    return { role: t.role, content };
  });
  return { system, messages: out, calledTools };
}
