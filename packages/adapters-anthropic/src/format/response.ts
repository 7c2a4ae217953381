import { upstreamFormatError, type ChatCompletion, type ResponseMessage, type ThinkingBlock, type ToolCall } from '@tollgate/core';
import { setThinking, toolCallOf } from './content.js';
import { JSON_TOOL_NAME, jsonContent, type JsonMode } from './json-mode.js';
import { mapStopReason } from './stop-reason.js';
import type { AnthropicMessage } from './types.js';
import { toOpenAIUsage } from './usage.js';

export interface ParseOptions {
  jsonMode?: JsonMode | null;
}

/** An upstream's Anthropic Message -> OpenAI ChatCompletion (one choice). */
export function anthropicToOpenAI(body: unknown, options: ParseOptions = {}): ChatCompletion {
  const msg = body as AnthropicMessage;
  if (!msg || typeof msg !== 'object' || !Array.isArray(msg.content)) throw upstreamFormatError('a message without content');
  const text: string[] = [];
  const thinking: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  let json: string | undefined;
  for (const block of msg.content) {
    switch (block.type) {
      case 'text':
        text.push((block as { text: string }).text);
        break;
      case 'thinking': {
        const b = block as { thinking: string; signature: string };
        thinking.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
        break;
      }
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: (block as { data: string }).data });
        break;
      case 'tool_use': {
        const b = block as { id: string; name: string; input: unknown };
        if (options.jsonMode && b.name === JSON_TOOL_NAME && json === undefined) json = jsonContent(b.input, options.jsonMode);
        else toolCalls.push(toolCallOf(b));
        break;
      }
      default:
        // Server-tool blocks (web search results, ...) have no OpenAI counterpart.
        break;
    }
  }
  const message: ResponseMessage = { role: 'assistant', content: json ?? (text.length ? text.join('') : null) };
  setThinking(message, thinking);
  if (toolCalls.length) message.tool_calls = toolCalls;
  let finish = mapStopReason(msg.stop_reason);
  // The JSON tool was the answer, not a call the client has to run.
  if (json !== undefined && !toolCalls.length && finish === 'tool_calls') finish = 'stop';
  return {
    id: msg.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: toOpenAIUsage(msg.usage),
  };
}
