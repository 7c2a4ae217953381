/** LiteLLM accepts bare model names for its best-known providers; so do we. */
const BARE_MODEL_PROVIDERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|davinci|babbage|omni-moderation|text-moderation)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^gemini-/, 'gemini'],
];

/** "gpt-4o" -> "openai/gpt-4o"; undefined when the provider cannot be told from the name. */
export function inferProvider(model: string): string | undefined {
  const hit = BARE_MODEL_PROVIDERS.find(([re]) => re.test(model));
  return hit ? `${hit[1]}/${model}` : undefined;
}
