#!/usr/bin/env node
// Rebuilds src/prices/<provider>.json from a local copy of LiteLLM's MIT-licensed
// model_prices_and_context_window.json (github.com/BerriAI/litellm), keeping only the providers
// and fields Tollgate prices. Usage:
//   node scripts/extract-prices.mjs <path/to/model_prices_and_context_window.json> <YYYY-MM-DD>
// The date is the day the LiteLLM file was taken; it is written into every provider file.
import { readFileSync, writeFileSync } from 'node:fs';

const [file, date] = process.argv.slice(2);
if (!file || !/^\d{4}-\d{2}-\d{2}$/.test(date ?? '')) {
  console.error('usage: extract-prices.mjs <model_prices_and_context_window.json> <YYYY-MM-DD>');
  process.exit(2);
}
const map = JSON.parse(readFileSync(file, 'utf8'));
const out = new URL('../src/prices/', import.meta.url);

const MODES = new Set(['chat', 'completion', 'embedding', 'rerank', 'moderation', 'responses']);
// Price and context fields Tollgate reads (LiteLLM's names); everything else is left behind.
const KEEP = [
  /^(input|output)_cost_per_token(_above_\d+k?_tokens)?(_(priority|flex))?$/,
  /^output_cost_per_reasoning_token(_above_\d+k?_tokens)?(_(priority|flex))?$/,
  /^cache_read_input_token_cost(_above_\d+k?_tokens)?(_(priority|flex))?$/,
  /^cache_creation_input_token_cost(_above_1hr)?(_above_\d+k?_tokens)?(_(priority|flex))?$/,
  /^input_cost_per_query$/,
  /^(input_|output_)?cost_per_second$/,
  /^(max_input_tokens|max_output_tokens|max_tokens|mode|deprecation_date|source)$/,
];

/**
 * One file per Tollgate provider id: which LiteLLM providers feed it, how a LiteLLM key becomes a
 * key in the file (the provider prefix goes; Tollgate looks models up by the id after "provider/"),
 * and which keys to leave out.
 */
const PROVIDERS = [
  {
    id: 'openai', name: 'OpenAI', source: 'https://openai.com/api/pricing/',
    from: ['openai', 'text-completion-openai'],
    skip: (k) => /^ft:|^openai\/|audio|realtime|search|container|transcribe|tts/.test(k),
  },
  {
    id: 'azure', name: 'Azure OpenAI', source: 'https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/',
    from: ['azure', 'azure_text'], strip: 'azure/',
    skip: (k) => /ft:|audio|realtime|search|transcribe|tts|computer-use|container/.test(k),
  },
  { id: 'anthropic', name: 'Anthropic', source: 'https://www.anthropic.com/pricing#api', from: ['anthropic'] },
  {
    id: 'gemini', name: 'Google AI Studio (Gemini API)', source: 'https://ai.google.dev/gemini-api/docs/pricing',
    from: ['gemini'], strip: 'gemini/',
    skip: (k) => /native-audio|live|tts|lyria|robotics|learnlm|exp-|gemma-2/.test(k),
  },
  {
    id: 'vertex_ai', name: 'Vertex AI (Gemini, Claude, embeddings)', source: 'https://cloud.google.com/vertex-ai/generative-ai/pricing',
    from: ['vertex_ai-language-models', 'vertex_ai-anthropic_models', 'vertex_ai-embedding-models'], strip: 'vertex_ai/',
    skip: (k) => /native-audio|live|tts|robotics|medlm|multimodalembedding/.test(k),
  },
  { id: 'mistral', name: 'Mistral AI', source: 'https://mistral.ai/pricing#api-pricing', from: ['mistral'], strip: 'mistral/' },
  { id: 'groq', name: 'Groq', source: 'https://groq.com/pricing', from: ['groq'], strip: 'groq/' },
  { id: 'deepseek', name: 'DeepSeek', source: 'https://api-docs.deepseek.com/quick_start/pricing', from: ['deepseek'], strip: 'deepseek/' },
  { id: 'xai', name: 'xAI', source: 'https://docs.x.ai/docs/models', from: ['xai'], strip: 'xai/' },
  {
    id: 'bedrock', name: 'Amazon Bedrock', source: 'https://aws.amazon.com/bedrock/pricing/',
    from: ['bedrock', 'bedrock_converse'],
    // Region- and commitment-specific keys ("bedrock/us-east-1/...") are provisioned-throughput
    // prices; on-demand ids have no slash.
    skip: (k) => k.includes('/') || /twelvelabs|stability|palmyra/.test(k),
  },
  { id: 'cohere', name: 'Cohere', source: 'https://cohere.com/pricing', from: ['cohere', 'cohere_chat'], strip: 'cohere/' },
  { id: 'ollama', name: 'Ollama (local)', source: 'https://ollama.com (local inference: no per-token charge)', from: ['ollama'], strip: 'ollama/' },
];

const pick = (entry) => {
  const kept = {};
  for (const [k, v] of Object.entries(entry)) if (KEEP.some((re) => re.test(k))) kept[k] = v;
  if (kept.max_output_tokens === undefined && kept.max_tokens !== undefined && entry.mode !== 'embedding') kept.max_output_tokens = kept.max_tokens;
  if (kept.max_input_tokens === undefined && kept.max_tokens !== undefined) kept.max_input_tokens = kept.max_tokens;
  delete kept.max_tokens;
  return kept;
};

for (const p of PROVIDERS) {
  const models = {};
  // Prefixed keys ("deepseek/deepseek-chat") win over bare duplicates: LiteLLM keeps them current.
  const entries = Object.entries(map)
    .filter(([k, v]) => v && typeof v === 'object' && p.from.includes(v.litellm_provider) && MODES.has(v.mode) && !p.skip?.(k))
    .sort(([a], [b]) => Number(Boolean(p.strip && a.startsWith(p.strip))) - Number(Boolean(p.strip && b.startsWith(p.strip))));
  for (const [k, v] of entries) models[p.strip && k.startsWith(p.strip) ? k.slice(p.strip.length) : k] = pick(v);
  const sorted = Object.fromEntries(Object.entries(models).sort(([a], [b]) => a.localeCompare(b)));
  const doc = {
    provider: p.id,
    name: p.name,
    updated: date,
    source: p.source,
    figures: `LiteLLM model_prices_and_context_window.json (MIT, BerriAI/litellm) as of ${date}; LiteLLM provider ids: ${p.from.join(', ')}`,
    models: sorted,
  };
  writeFileSync(new URL(`${p.id}.json`, out), JSON.stringify(doc, null, 1) + '\n');
  console.log(`${p.id}: ${Object.keys(sorted).length} models`);
}
