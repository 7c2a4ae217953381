/**
 * Gemini's function calls carry no id, so Tollgate numbers them per response: `call_0`, `call_1`, ...
 * When the call carries a thought signature (Gemini 2.5+/3 with thinking), it rides inside the id —
 * `call_0__thought__<signature>`, LiteLLM's convention — because an OpenAI client sends ids back
 * unchanged and Gemini 3 refuses a function call turn that lost its signature.
 */
export const THOUGHT_SEPARATOR = '__thought__';

export function toolCallId(n: number, signature?: string): string {
  return signature ? `call_${n}${THOUGHT_SEPARATOR}${signature}` : `call_${n}`;
}

export function signatureFromId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const i = id.indexOf(THOUGHT_SEPARATOR);
  return i === -1 ? undefined : id.slice(i + THOUGHT_SEPARATOR.length) || undefined;
}
