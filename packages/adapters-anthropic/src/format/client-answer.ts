/** A canonical (OpenAI) answer as the Anthropic Message an Anthropic client expects. */
import type { ChatCompletion } from '@tollgate/core';
import { toolUseOf } from './content.js';
import { stopReasonOf } from './stop-reason.js';
import type { AnthropicMessage, ContentBlock, StopReason } from './types.js';
import { toAnthropicUsage } from './usage.js';

/** Anthropic message ids start with `msg_`; a canonical id gets the prefix. */
export function messageId(id: string | undefined): string {
  return id && id.startsWith('msg_') ? id : `msg_${id || Date.now().toString(36)}`;
}

/** A Message's fixed frame around its content (also the `message_start` event's message). */
export function anthropicMessage(id: string | undefined, model: string, content: ContentBlock[], stop: StopReason | null, usage: AnthropicMessage['usage']): AnthropicMessage {
  return { id: messageId(id), type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage };
}

/**
 * An answer's tool arguments as `input`. Anthropic clients expect an object, and the answer is not
 * theirs to fix: invalid JSON becomes `{}`, another value `{value}` (a client's own history is
 * stricter: see parseArguments in messages.ts).
 */
function answerInput(args: string): unknown {
  try {
    const v = JSON.parse(args || '{}') as unknown;
    return v && typeof v === 'object' ? v : { value: v };
  } catch {
    return {};
  }
}

/** A canonical ChatCompletion as an Anthropic Message (thinking first, then text, then tool_use). */
export function canonicalToAnthropicMessage(r: ChatCompletion): AnthropicMessage {
  const choice = r.choices[0];
  const m = choice?.message;
  const content: ContentBlock[] = [];
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
  for (const tc of m?.tool_calls ?? []) content.push(toolUseOf(tc, answerInput(tc.function.arguments)));
  return anthropicMessage(r.id, r.model, content, stopReasonOf(choice?.finish_reason), toAnthropicUsage(r.usage));
}
