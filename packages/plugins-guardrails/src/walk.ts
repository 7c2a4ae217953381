import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from '@tollgate/core';

/**
 * Visits every piece of text a guardrail must see, in a fixed order, and writes back what the
 * visitor returns (a string replaces the text; undefined leaves it). In a request: each message's
 * content (string or text parts), a tool message's result, assistant tool-call and function-call
 * arguments, refusal and reasoning text. Images, audio and files are not text and are skipped.
 */
export type TextVisitor = (text: string, role: string, path: string) => string | undefined;

export function visitRequest(request: ChatCompletionRequest, visit: TextVisitor): void {
  const messages = request.messages;
  if (!Array.isArray(messages)) return;
  for (let i = 0; i < messages.length; i++) visitMessage(messages[i], i, visit);
}

function visitMessage(m: ChatMessage, i: number, visit: TextVisitor): void {
  if (!m || typeof m !== 'object') return;
  const role = m.role;
  const base = `messages[${i}]`;
  const content = (m as { content?: unknown }).content;
  if (typeof content === 'string') {
    const r = visit(content, role, `${base}.content`);
    if (r !== undefined) (m as { content: string }).content = r;
  } else if (Array.isArray(content)) {
    for (let j = 0; j < content.length; j++) {
      const part = content[j] as { type?: string; text?: unknown; refusal?: unknown };
      if (part?.type === 'text' && typeof part.text === 'string') {
        const r = visit(part.text, role, `${base}.content[${j}].text`);
        if (r !== undefined) part.text = r;
      } else if (part?.type === 'refusal' && typeof part.refusal === 'string') {
        const r = visit(part.refusal, role, `${base}.content[${j}].refusal`);
        if (r !== undefined) part.refusal = r;
      }
    }
  }
  if (role !== 'assistant') return;
  visitAssistantExtras(m as unknown as AssistantLike, role, base, visit);
}

interface AssistantLike {
  refusal?: string | null;
  reasoning_content?: string | null;
  tool_calls?: Array<{ function?: { arguments?: string } }>;
  function_call?: { arguments?: string } | null;
}

function visitAssistantExtras(m: AssistantLike, role: string, base: string, visit: TextVisitor): void {
  if (typeof m.refusal === 'string') {
    const r = visit(m.refusal, role, `${base}.refusal`);
    if (r !== undefined) m.refusal = r;
  }
  if (typeof m.reasoning_content === 'string') {
    const r = visit(m.reasoning_content, role, `${base}.reasoning_content`);
    if (r !== undefined) m.reasoning_content = r;
  }
  if (Array.isArray(m.tool_calls)) {
    for (let k = 0; k < m.tool_calls.length; k++) {
      const fn = m.tool_calls[k]?.function;
      if (fn && typeof fn.arguments === 'string') {
        const r = visitArguments(fn.arguments, role, `${base}.tool_calls[${k}].function.arguments`, visit);
        if (r !== undefined) fn.arguments = r;
      }
    }
  }
  if (m.function_call && typeof m.function_call.arguments === 'string') {
    const r = visitArguments(m.function_call.arguments, role, `${base}.function_call.arguments`, visit);
    if (r !== undefined) m.function_call.arguments = r;
  }
}

/**
 * Tool-call arguments are JSON: each string value is visited on its own (so `\n` escapes and
 * quotes never glue onto a value, and a mask cannot break the JSON), and the arguments are
 * re-serialised only when a value changed. Arguments that do not parse are visited as raw text.
 */
function visitArguments(args: string, role: string, path: string, visit: TextVisitor): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    return visit(args, role, path);
  }
  if (typeof value !== 'object' || value === null) return visit(args, role, path);
  return visitJson(value, role, path, visit) ? JSON.stringify(value) : undefined;
}

function visitJson(node: unknown, role: string, path: string, visit: TextVisitor): boolean {
  let changed = false;
  const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node as object);
  for (const [key, v] of entries) {
    const at = typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
    if (typeof v === 'string') {
      const r = visit(v, role, at);
      if (r !== undefined) {
        (node as Record<string | number, unknown>)[key] = r;
        changed = true;
      }
    } else if (v && typeof v === 'object' && visitJson(v, role, at, visit)) changed = true;
  }
  return changed;
}

/** The same over a complete answer: each choice's message (content, refusal, reasoning, tool-call arguments). */
export function visitResponse(response: ChatCompletion, visit: TextVisitor): void {
  const choices = response.choices;
  if (!Array.isArray(choices)) return;
  for (let i = 0; i < choices.length; i++) {
    const msg = choices[i]?.message;
    if (!msg) continue;
    const base = `choices[${i}].message`;
    if (typeof msg.content === 'string') {
      const r = visit(msg.content, 'assistant', `${base}.content`);
      if (r !== undefined) msg.content = r;
    }
    visitAssistantExtras(msg as AssistantLike, 'assistant', base, visit);
  }
}

/** All texts with their roles, in visiting order (what a webhook or a third-party check receives). */
export function collectTexts(visitAll: (v: TextVisitor) => void): { texts: string[]; roles: string[] } {
  const texts: string[] = [];
  const roles: string[] = [];
  visitAll((t, role) => {
    texts.push(t);
    roles.push(role);
    return undefined;
  });
  return { texts, roles };
}

/** Write texts back in visiting order; returns whether anything changed. */
export function replaceTexts(visitAll: (v: TextVisitor) => void, replacements: readonly string[]): boolean {
  let i = 0;
  let changed = false;
  visitAll((t) => {
    const r = replacements[i++];
    if (typeof r !== 'string' || r === t) return undefined;
    changed = true;
    return r;
  });
  return changed;
}
