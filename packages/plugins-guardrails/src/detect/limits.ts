/**
 * A cheap token estimate: one token per 4 characters of text (OpenAI's rule of thumb for
 * English), rounded up per text, plus 4 tokens per message for the role and framing. It runs in
 * O(messages) on string lengths alone; expect it within ~25% of a real tokenizer for English
 * prose, lower than the truth for CJK text and dense code.
 */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
export const TOKENS_PER_MESSAGE = 4;
