/**
 * How a deployment's model id is matched to a price-table key: the id as given first, then with
 * routing prefixes, a Bedrock geography and finally a version or date suffix taken off.
 */

/** Tollgate/LiteLLM provider ids -> the price table that prices them. */
export const TABLE_OF_PROVIDER: Readonly<Record<string, string>> = Object.freeze({
  openai: 'openai',
  'text-completion-openai': 'openai',
  azure: 'azure',
  azure_text: 'azure',
  anthropic: 'anthropic',
  gemini: 'gemini',
  vertex_ai: 'vertex_ai',
  vertex_ai_beta: 'vertex_ai',
  'vertex_ai-language-models': 'vertex_ai',
  'vertex_ai-anthropic_models': 'vertex_ai',
  'vertex_ai-embedding-models': 'vertex_ai',
  mistral: 'mistral',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'xai',
  bedrock: 'bedrock',
  bedrock_converse: 'bedrock',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  ollama: 'ollama',
  ollama_chat: 'ollama',
});

/** Providers that sell models under their makers' prices, then the makers' own tables. */
const FIRST_PARTY = ['openai', 'anthropic', 'gemini', 'mistral', 'deepseek', 'xai', 'cohere'];
const FALLBACKS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  // An Azure deployment name without model_info.base_model is usually the model's own name.
  azure: ['azure', 'openai'],
  // Vertex sells Gemini and Claude at Google's and Anthropic's list prices when a version is missing.
  vertex_ai: ['vertex_ai', 'gemini', 'anthropic'],
});

/**
 * Tables to search, in order, for a provider id: its own (shipped, or from a price file), then
 * fallbacks. A provider with no shipped table (mock, OpenAI-compatible hosts) falls back to the
 * model makers' tables, so `mock/gpt-4o-mini` costs what gpt-4o-mini costs.
 */
export function tablesFor(provider: string): readonly string[] {
  const table = TABLE_OF_PROVIDER[provider];
  if (!table) return [provider, ...FIRST_PARTY];
  return FALLBACKS[table] ?? [table];
}

/** Bedrock cross-region inference profiles: `us.anthropic.claude-...` (AWS docs, inference-profiles-support). */
const GEO_PREFIX = /^(?:us|eu|apac|global|jp|au|ca|us-gov)\./;

/** Version and date suffixes, tried in this order. */
const SUFFIXES: readonly RegExp[] = [
  /@(?:\d{8}|default|latest)$/, // Vertex Claude: claude-sonnet-4@20250514
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI: gpt-4o-2024-08-06
  /-\d{8}(?:-v\d+(?::\d+)?)?$/, // Anthropic, Bedrock: claude-3-5-haiku-20241022(-v1:0)
  /-v\d+(?::\d+)?$/, // Bedrock: anthropic.claude-opus-4-6-v1
  /-latest$/,
  /-\d{3}$/, // Gemini: gemini-2.0-flash-001
];

/** The id without its first matching version or date suffix, or null. */
export function undated(id: string): string | null {
  for (const re of SUFFIXES) {
    if (re.test(id)) return id.replace(re, '');
  }
  return null;
}

/** The id without routing prefixes: Bedrock `converse/`, `invoke/`, an ARN's resource path. */
function unrouted(id: string): string {
  let out = id.replace(/^(?:bedrock\/)?(?:converse|invoke)\//, '');
  if (out.startsWith('arn:')) out = out.slice(out.lastIndexOf('/') + 1);
  return out;
}

/** Candidate table keys for a model id, most specific first, without repeats. */
export function candidates(model: string): string[] {
  const out: string[] = [];
  const add = (id: string | null): void => {
    if (id && !out.includes(id)) out.push(id);
  };
  const lower = model.toLowerCase();
  add(model);
  add(lower);
  const bare = unrouted(lower);
  add(bare);
  const local = bare.replace(GEO_PREFIX, '');
  add(local);
  add(undated(bare));
  add(undated(local));
  return out;
}
