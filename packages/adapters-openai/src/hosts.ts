/**
 * OpenAI-compatible hosts that Tollgate can reach as `provider/model` with nothing but an API key.
 *
 * Where the data came from
 * ------------------------
 * Every value in this table was looked up, not guessed. The sources, in order of preference:
 *   1. The provider's own API docs (base URL, auth, documented parameter limits).
 *   2. LiteLLM (BerriAI/litellm): `litellm/llms/<provider>/chat/transformation.py`
 *      (`_get_openai_compatible_provider_info` gives the default base, the env vars for key and
 *      base; `get_supported_openai_params` / `map_openai_params` give param support and renames),
 *      `litellm/litellm_core_utils/get_llm_provider_logic.py`, `litellm/constants.py`
 *      (`openai_compatible_endpoints`, `openai_compatible_providers`) and the `LlmProviders` enum in
 *      `litellm/types/utils.py` (provider ids).
 *   3. Vercel AI SDK (vercel/ai): `packages/<provider>/src/<provider>-provider.ts` (`baseURL`
 *      default, `environmentVariableName`, whether an embedding model exists).
 *   4. Portkey gateway (Portkey-AI/gateway): `src/providers/<name>/api.ts` (base URL, endpoints).
 * Each row's `source` field names what was read for that row. Where sources disagreed, the row
 * comment says which value was chosen and why.
 *
 * Conventions
 * -----------
 * - `id` is the provider id exactly as LiteLLM spells it (`LlmProviders` enum), so LiteLLM-style
 *   model strings (`together_ai/meta-llama/...`) work unchanged.
 * - `apiKeyEnv` / `apiBaseEnv` are the env var names LiteLLM reads first for that provider, so an
 *   existing LiteLLM environment keeps working. Other names a provider's own SDK uses are noted in
 *   the row comment; only one is read.
 * - `unsupportedParams` lists only host-wide limits that a source states (provider docs, or an
 *   explicit statement/exclusion in LiteLLM). Limits that depend on the model (e.g. xAI reasoning
 *   models rejecting `stop`) or on a value (e.g. `tool_choice: "required"`) are NOT listed; they
 *   are noted in comments. Absence from a list means "not known to be rejected", not "verified".
 * - `embeddings`: `true` = a source shows a working `/embeddings` route; `false` = a source says
 *   the host has none; omitted = not established either way.
 *
 * How to add a row
 * ----------------
 * 1. Use LiteLLM's provider id (see `LlmProviders` in litellm/types/utils.py) as `id`.
 * 2. Read the provider's docs for the base URL (include the version path, no trailing slash) and
 *    auth scheme; cross-check LiteLLM's `_get_openai_compatible_provider_info` for the env vars.
 * 3. Only add `unsupportedParams` / `renamedParams` that a source states; cite it in `source`.
 * 4. Put any alternative id LiteLLM itself accepts into `HOST_ALIASES` (alias -> id).
 * 5. Run `npx tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2023
 *    packages/adapters-openai/src/hosts.ts`.
 */

export interface OpenAICompatibleHost {
  /** provider id, as in "groq/llama-3.1-8b-instant" */
  id: string;
  /** Human name for docs. */
  name: string;
  /** Default base URL including the version path, no trailing slash, e.g. "https://api.groq.com/openai/v1". Empty string when the user must give api_base (hosted_vllm). */
  baseUrl: string;
  /** Env var read for the API key when the config gives none, e.g. "GROQ_API_KEY". */
  apiKeyEnv?: string;
  /** Env var for the base URL override where providers document one (e.g. "OLLAMA_API_BASE", "HOSTED_VLLM_API_BASE", "LM_STUDIO_API_BASE"). */
  apiBaseEnv?: string;
  /** Appended to a configured api_base that lacks it (Ollama's root URL -> its /v1 API). */
  versionPath?: string;
  /** false for local servers that need no key (lm_studio, ollama, hosted_vllm). Default true. */
  requiresKey?: boolean;
  /** How the key is sent. Default { header: 'authorization', scheme: 'Bearer' }. */
  auth?: { header: string; scheme?: string };
  /** Chat params from the OpenAI set this host does NOT accept (so Tollgate answers 400 naming it, or drops it with drop_params). Only list what the docs/sources say is unsupported. */
  unsupportedParams?: readonly string[];
  /** Params renamed for this host, e.g. { max_completion_tokens: 'max_tokens' } where the host only knows max_tokens. */
  renamedParams?: Readonly<Record<string, string>>;
  /** Extra static headers a host requires or recommends (e.g. OpenRouter's HTTP-Referer/X-Title are optional; do not add optional ones). */
  headers?: Readonly<Record<string, string>>;
  /** Whether the host supports /embeddings. */
  embeddings?: boolean;
  /** Source(s) you read for this row: "repo path" or doc URL. */
  source: string;
}

/** The host only knows `max_tokens`; LiteLLM maps `max_completion_tokens` onto it. */
const MAX_TOKENS_ONLY: Readonly<Record<string, string>> = Object.freeze({
  max_completion_tokens: 'max_tokens',
});

export const OPENAI_COMPATIBLE_HOSTS: readonly OpenAICompatibleHost[] = Object.freeze([
  {
    // Groq docs: logprobs, logit_bias, top_logprobs and messages[].name "will result in a 400
    // error"; `n` must be 1 (value limit, not listed). LiteLLM notes Groq accepts
    // max_completion_tokens natively, so no rename.
    id: 'groq',
    name: 'Groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    apiKeyEnv: 'GROQ_API_KEY',
    apiBaseEnv: 'GROQ_API_BASE',
    unsupportedParams: ['logprobs', 'logit_bias', 'top_logprobs'],
    embeddings: false,
    source:
      'https://console.groq.com/docs/openai; BerriAI/litellm litellm/llms/groq/chat/transformation.py; ' +
      'vercel/ai packages/groq/src/groq-provider.ts',
  },
  {
    // Key env: LiteLLM reads TOGETHER_API_KEY, then TOGETHER_AI_API_KEY, TOGETHERAI_API_KEY,
    // TOGETHER_AI_TOKEN; the Vercel AI SDK reads TOGETHER_AI_API_KEY. TOGETHER_API_KEY chosen
    // (LiteLLM's first, and Together's own SDK name). Tools/response_format are per-model.
    id: 'together_ai',
    name: 'Together AI',
    baseUrl: 'https://api.together.xyz/v1',
    apiKeyEnv: 'TOGETHER_API_KEY',
    apiBaseEnv: 'TOGETHER_AI_API_BASE',
    embeddings: true,
    source:
      'BerriAI/litellm litellm/litellm_core_utils/get_llm_provider_logic.py, ' +
      'litellm/llms/together_ai/chat/transformation.py; vercel/ai packages/togetherai/src/togetherai-provider.ts',
  },
  {
    // LiteLLM maps max_completion_tokens -> max_tokens and tool_choice "required" -> "any"
    // (value mapping, not expressed here). Also reads FIREWORKS_AI_API_KEY, FIREWORKSAI_API_KEY,
    // FIREWORKS_AI_TOKEN.
    id: 'fireworks_ai',
    name: 'Fireworks AI',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    apiKeyEnv: 'FIREWORKS_API_KEY',
    apiBaseEnv: 'FIREWORKS_API_BASE',
    renamedParams: MAX_TOKENS_ONLY,
    embeddings: true,
    source:
      'BerriAI/litellm litellm/llms/fireworks_ai/chat/transformation.py; ' +
      'vercel/ai packages/fireworks/src/fireworks-provider.ts',
  },
  {
    // Sources disagree on the base: DeepSeek docs give https://api.deepseek.com and say
    // https://api.deepseek.com/v1 also works for OpenAI compatibility ("v1 has nothing to do
    // with the model version"); LiteLLM defaults to https://api.deepseek.com/beta (beta features:
    // prefix completion, strict tools); Vercel AI SDK uses https://api.deepseek.com. Chosen: /v1
    // (documented, stable, carries a version path; matches LiteLLM's openai_compatible_endpoints).
    // Vercel AI SDK omits frequency_penalty/presence_penalty as "deprecated by DeepSeek" for V4
    // models (not rejected, so not listed).
    id: 'deepseek',
    name: 'DeepSeek',
    baseUrl: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    apiBaseEnv: 'DEEPSEEK_API_BASE',
    embeddings: false,
    source:
      'https://api-docs.deepseek.com/; BerriAI/litellm litellm/llms/deepseek/chat/transformation.py, ' +
      'litellm/constants.py; vercel/ai packages/deepseek/src/deepseek-provider.ts',
  },
  {
    // Mistral rejects unknown body fields with 422 "extra_forbidden" (seen for
    // max_completion_tokens, e.g. editor-code-assistant/eca#231), so the renames matter: LiteLLM
    // and Portkey both send `seed` as `random_seed`, LiteLLM sends max_completion_tokens as
    // max_tokens. The listed params are absent from Mistral's ChatCompletionRequest schema and
    // from LiteLLM's supported list. tool_choice "required" is sent as "any" by LiteLLM (value
    // mapping). LiteLLM has no plain MISTRAL_API_BASE (only MISTRAL_AZURE_API_BASE), so none here.
    id: 'mistral',
    name: 'Mistral AI',
    baseUrl: 'https://api.mistral.ai/v1',
    apiKeyEnv: 'MISTRAL_API_KEY',
    unsupportedParams: ['logit_bias', 'logprobs', 'top_logprobs', 'user', 'functions', 'function_call'],
    renamedParams: Object.freeze({ max_completion_tokens: 'max_tokens', seed: 'random_seed' }),
    embeddings: true,
    source:
      'BerriAI/litellm litellm/llms/mistral/chat/transformation.py; Portkey-AI/gateway ' +
      'src/providers/mistral-ai/chatComplete.ts; vercel/ai packages/mistral/src/mistral-provider.ts; ' +
      'https://docs.mistral.ai/api/',
  },
  {
    // HTTP-Referer / X-Title are optional attribution headers (LiteLLM sends OR_SITE_URL /
    // OR_APP_NAME); not added. LiteLLM also reads OR_API_KEY.
    id: 'openrouter',
    name: 'OpenRouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    apiBaseEnv: 'OPENROUTER_API_BASE',
    embeddings: true,
    source:
      'BerriAI/litellm litellm/llms/openrouter/common_utils.py (DEFAULT_OPENROUTER_API_BASE), ' +
      'litellm/llms/openrouter/chat/transformation.py, litellm/llms/openrouter/embedding/transformation.py',
  },
  {
    // No version path: Perplexity documents https://api.perplexity.ai as the OpenAI base.
    // Key env: LiteLLM reads PERPLEXITYAI_API_KEY then PERPLEXITY_API_KEY (Perplexity's docs and
    // the Vercel AI SDK use PERPLEXITY_API_KEY); LiteLLM's first chosen.
    // Unsupported: LiteLLM states "Perplexity does not support tools, tool_choice, function_call,
    // functions"; the rest are outside LiteLLM's supported list AND dropped by the Bifrost gateway
    // docs as unsupported (two independent sources).
    id: 'perplexity',
    name: 'Perplexity (Sonar)',
    baseUrl: 'https://api.perplexity.ai',
    apiKeyEnv: 'PERPLEXITYAI_API_KEY',
    apiBaseEnv: 'PERPLEXITY_API_BASE',
    unsupportedParams: [
      'tools',
      'tool_choice',
      'functions',
      'function_call',
      'parallel_tool_calls',
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'seed',
      'stop',
      'service_tier',
    ],
    embeddings: false,
    source:
      'https://docs.perplexity.ai/docs/sonar/openai-compatibility; BerriAI/litellm ' +
      'litellm/llms/perplexity/chat/transformation.py; vercel/ai packages/perplexity/src/perplexity-provider.ts; ' +
      'https://docs.getbifrost.ai/providers/supported-providers/perplexity',
  },
  {
    // LiteLLM drops web_search_options ("XAI no longer supports web search on /chat/completions
    // (Live Search is deprecated)"). Per-model (not listed): grok-3-mini / grok-4 /
    // grok-code-fast reject `stop`; grok-4 / grok-code-fast reject frequency_penalty.
    // LiteLLM maps max_completion_tokens -> max_tokens.
    id: 'xai',
    name: 'xAI (Grok)',
    baseUrl: 'https://api.x.ai/v1',
    apiKeyEnv: 'XAI_API_KEY',
    apiBaseEnv: 'XAI_API_BASE',
    unsupportedParams: ['web_search_options'],
    renamedParams: MAX_TOKENS_ONLY,
    source:
      'BerriAI/litellm litellm/llms/xai/chat/transformation.py, litellm/constants.py (XAI_API_BASE); ' +
      'vercel/ai packages/xai/src/xai-provider.ts',
  },
  {
    // Cerebras docs ("Currently unsupported OpenAI features ... will result in a 400 error", as
    // reproduced by req_llm's Cerebras guide) and LiteLLM's supported list agree on these five.
    // LiteLLM renames max_completion_tokens -> max_tokens, but Cerebras' own API reference accepts
    // max_completion_tokens, so no rename here.
    id: 'cerebras',
    name: 'Cerebras',
    baseUrl: 'https://api.cerebras.ai/v1',
    apiKeyEnv: 'CEREBRAS_API_KEY',
    apiBaseEnv: 'CEREBRAS_API_BASE',
    unsupportedParams: [
      'frequency_penalty',
      'logit_bias',
      'presence_penalty',
      'parallel_tool_calls',
      'service_tier',
    ],
    embeddings: false,
    source:
      'https://inference-docs.cerebras.ai/resources/openai; https://inference-docs.cerebras.ai/api-reference/chat-completions; ' +
      'BerriAI/litellm litellm/llms/cerebras/chat.py; vercel/ai packages/cerebras/src/cerebras-provider.ts',
  },
  {
    // Vercel AI SDK: baseURL https://api.deepinfra.com/v1 + '/openai' path; LiteLLM: base
    // https://api.deepinfra.com/v1/openai. Same effective URL. tool_choice other than
    // "auto"/"none" is rejected by LiteLLM (value limit, not listed).
    id: 'deepinfra',
    name: 'DeepInfra',
    baseUrl: 'https://api.deepinfra.com/v1/openai',
    apiKeyEnv: 'DEEPINFRA_API_KEY',
    apiBaseEnv: 'DEEPINFRA_API_BASE',
    renamedParams: MAX_TOKENS_ONLY,
    embeddings: true,
    source:
      'BerriAI/litellm litellm/llms/deepinfra/chat/transformation.py; vercel/ai packages/deepinfra/src/deepinfra-provider.ts',
  },
  {
    // Param support varies by model in LiteLLM's table (e.g. gemma models: no tools); nothing
    // host-wide listed. LiteLLM maps max_completion_tokens -> max_tokens.
    id: 'nvidia_nim',
    name: 'NVIDIA NIM (API catalog)',
    baseUrl: 'https://integrate.api.nvidia.com/v1',
    apiKeyEnv: 'NVIDIA_NIM_API_KEY',
    apiBaseEnv: 'NVIDIA_NIM_API_BASE',
    renamedParams: MAX_TOKENS_ONLY,
    embeddings: true,
    source:
      'BerriAI/litellm litellm/litellm_core_utils/get_llm_provider_logic.py, ' +
      'litellm/llms/nvidia_nim/chat/transformation.py, litellm/llms/nvidia_nim/embed.py',
  },
  {
    // SambaNova docs: "Currently unsupported OpenAI features ... will be ignored:
    // presence_penalty, frequency_penalty, logit_bias". n is 1-8 and n>1 cannot be combined with
    // tools (value limits). Its API reference accepts both max_tokens and max_completion_tokens,
    // so no rename (LiteLLM renames anyway). LiteLLM's X-Integration-Source header is analytics
    // only; not added.
    id: 'sambanova',
    name: 'SambaNova Cloud',
    baseUrl: 'https://api.sambanova.ai/v1',
    apiKeyEnv: 'SAMBANOVA_API_KEY',
    apiBaseEnv: 'SAMBANOVA_API_BASE',
    unsupportedParams: ['presence_penalty', 'frequency_penalty', 'logit_bias'],
    embeddings: true,
    source:
      'https://docs.sambanova.ai/docs/en/features/openai-compatibility; BerriAI/litellm ' +
      'litellm/llms/sambanova/chat.py, litellm/llms/sambanova/embedding/transformation.py',
  },
  {
    id: 'hyperbolic',
    name: 'Hyperbolic',
    baseUrl: 'https://api.hyperbolic.xyz/v1',
    apiKeyEnv: 'HYPERBOLIC_API_KEY',
    apiBaseEnv: 'HYPERBOLIC_API_BASE',
    source:
      'BerriAI/litellm litellm/llms/hyperbolic/chat/transformation.py; https://docs.litellm.ai/docs/providers/hyperbolic',
  },
  {
    // Novita's LLM API docs, LiteLLM and Portkey all give https://api.novita.ai/v3/openai.
    // Some newer third-party integrations use https://api.novita.ai/openai; not confirmed in
    // Novita's own docs read here, so the documented /v3/openai is kept.
    id: 'novita',
    name: 'Novita AI',
    baseUrl: 'https://api.novita.ai/v3/openai',
    apiKeyEnv: 'NOVITA_API_KEY',
    apiBaseEnv: 'NOVITA_API_BASE',
    source:
      'https://novita.ai/docs/guides/llm-api; BerriAI/litellm litellm/litellm_core_utils/get_llm_provider_logic.py; ' +
      'Portkey-AI/gateway src/providers/novita-ai/api.ts',
  },
  {
    // LiteLLM has no default base (api_base or LM_STUDIO_API_BASE is required there); LM Studio's
    // docs give the local server default http://localhost:1234/v1. A key is only needed when
    // "Require Authentication" is on; LiteLLM sends a placeholder otherwise.
    id: 'lm_studio',
    name: 'LM Studio',
    baseUrl: 'http://localhost:1234/v1',
    apiKeyEnv: 'LM_STUDIO_API_KEY',
    apiBaseEnv: 'LM_STUDIO_API_BASE',
    requiresKey: false,
    embeddings: true,
    source: 'https://lmstudio.ai/docs/api/openai-api; BerriAI/litellm litellm/llms/lm_studio/chat/transformation.py',
  },
  {
    // Self-hosted vLLM server: no default, the user must give api_base (or HOSTED_VLLM_API_BASE).
    // LiteLLM sends "fake-api-key" when none is set.
    id: 'hosted_vllm',
    name: 'vLLM (self-hosted)',
    baseUrl: '',
    apiKeyEnv: 'HOSTED_VLLM_API_KEY',
    apiBaseEnv: 'HOSTED_VLLM_API_BASE',
    requiresKey: false,
    embeddings: true,
    source:
      'BerriAI/litellm litellm/llms/hosted_vllm/chat/transformation.py, litellm/constants.py ' +
      '(LITELLM_EMBEDDING_PROVIDERS_SUPPORTING_INPUT_ARRAY_OF_TOKENS)',
  },
  {
    // Ollama's OpenAI-compatible endpoint (/v1). LiteLLM's `ollama` and `ollama_chat` ids mean
    // Ollama's native /api/chat, which @tollgate/adapter-ollama serves; LiteLLM has no id of its own
    // for /v1 (its docs send `openai/<model>` with api_base http://localhost:11434/v1), so this row
    // is `ollama_openai`. Ollama's docs mark tool_choice, logit_bias, user and n as unsupported
    // request fields and list only max_tokens (hence the rename).
    // OLLAMA_API_BASE as LiteLLM reads it is the server root (default http://localhost:11434,
    // without /v1): append /v1 when honoring it. OLLAMA_API_KEY is only needed for ollama.com.
    id: 'ollama_openai',
    name: 'Ollama (OpenAI-compatible /v1)',
    baseUrl: 'http://localhost:11434/v1',
    apiKeyEnv: 'OLLAMA_API_KEY',
    apiBaseEnv: 'OLLAMA_API_BASE',
    versionPath: '/v1',
    requiresKey: false,
    unsupportedParams: ['tool_choice', 'logit_bias', 'user', 'n'],
    renamedParams: MAX_TOKENS_ONLY,
    embeddings: true,
    source:
      'ollama/ollama docs/api/openai-compatibility.mdx; BerriAI/litellm litellm/llms/ollama/common_utils.py ' +
      '(OLLAMA_API_BASE, OLLAMA_API_KEY)',
  },
  {
    // Sources disagree: LiteLLM defaults to the legacy Azure endpoint
    // https://models.inference.ai.azure.com (model ids like "gpt-4o"); GitHub's own docs give
    // POST https://models.github.ai/inference/chat/completions (model ids "publisher/name", e.g.
    // "openai/gpt-4.1"). GitHub's documented endpoint chosen. Key is a GitHub PAT with
    // models:read; LiteLLM reads GITHUB_API_KEY (GitHub docs use GITHUB_TOKEN).
    // GitHub's curl sample also sends Accept/X-GitHub-Api-Version; OpenAI-SDK usage works without
    // them, so they are not added. /embeddings is not documented for the new endpoint.
    id: 'github',
    name: 'GitHub Models',
    baseUrl: 'https://models.github.ai/inference',
    apiKeyEnv: 'GITHUB_API_KEY',
    apiBaseEnv: 'GITHUB_API_BASE',
    source:
      'https://docs.github.com/en/github-models/quickstart; https://docs.github.com/en/rest/models/inference; ' +
      'BerriAI/litellm litellm/litellm_core_utils/get_llm_provider_logic.py',
  },
  {
    // Sources disagree: LiteLLM and Portkey use https://api.studio.nebius.ai/v1 (Nebius AI
    // Studio); Nebius' current docs (Token Factory, the renamed AI Studio) use
    // https://api.tokenfactory.nebius.com/v1. The provider's documented URL is chosen.
    // LiteLLM maps max_completion_tokens -> max_tokens.
    id: 'nebius',
    name: 'Nebius Token Factory (AI Studio)',
    baseUrl: 'https://api.tokenfactory.nebius.com/v1',
    apiKeyEnv: 'NEBIUS_API_KEY',
    apiBaseEnv: 'NEBIUS_API_BASE',
    renamedParams: MAX_TOKENS_ONLY,
    embeddings: true,
    source:
      'https://docs.tokenfactory.nebius.com/api-reference/examples/text-generation; BerriAI/litellm ' +
      'litellm/litellm_core_utils/get_llm_provider_logic.py, litellm/llms/nebius/chat/transformation.py; ' +
      'Portkey-AI/gateway src/providers/nebius/api.ts',
  },
  {
    // LiteLLM: "functions parameter is not supported (use tools instead)"; tool_choice
    // "required" is unsupported (value limit; LiteLLM rewrites it into a user message);
    // temperature range is [0, 1] (value limit). International endpoint (api.moonshot.ai).
    id: 'moonshot',
    name: 'Moonshot AI (Kimi)',
    baseUrl: 'https://api.moonshot.ai/v1',
    apiKeyEnv: 'MOONSHOT_API_KEY',
    apiBaseEnv: 'MOONSHOT_API_BASE',
    unsupportedParams: ['functions'],
    renamedParams: MAX_TOKENS_ONLY,
    embeddings: false,
    source:
      'BerriAI/litellm litellm/llms/moonshot/chat/transformation.py; vercel/ai packages/moonshotai/src/moonshotai-provider.ts',
  },
  {
    // International (Singapore) endpoint, as LiteLLM, Portkey and the Vercel AI SDK default to;
    // the mainland-China endpoint is https://dashscope.aliyuncs.com/compatible-mode/v1 (LiteLLM's
    // get_complete_url falls back to it only when no base is resolved). Key env: LiteLLM reads
    // DASHSCOPE_API_KEY; the Vercel AI SDK reads ALIBABA_API_KEY.
    id: 'dashscope',
    name: 'Alibaba Cloud DashScope (Qwen)',
    baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    apiKeyEnv: 'DASHSCOPE_API_KEY',
    apiBaseEnv: 'DASHSCOPE_API_BASE',
    embeddings: true,
    source:
      'BerriAI/litellm litellm/llms/dashscope/chat/transformation.py; Portkey-AI/gateway src/providers/dashscope/api.ts; ' +
      'vercel/ai packages/alibaba/src/alibaba-provider.ts',
  },
  {
    // Key env: LiteLLM's provider config reads FEATHERLESS_API_KEY (its api_base-matching branch
    // reads FEATHERLESS_AI_API_KEY); Featherless' docs use FEATHERLESS_API_KEY, so that is chosen.
    // tool_choice other than "auto"/"none" is rejected by LiteLLM (value limit).
    id: 'featherless_ai',
    name: 'Featherless AI',
    baseUrl: 'https://api.featherless.ai/v1',
    apiKeyEnv: 'FEATHERLESS_API_KEY',
    apiBaseEnv: 'FEATHERLESS_API_BASE',
    renamedParams: MAX_TOKENS_ONLY,
    source:
      'https://featherless.ai/docs/quickstart-guide; BerriAI/litellm litellm/llms/featherless_ai/chat/transformation.py; ' +
      'Portkey-AI/gateway src/providers/featherless-ai/api.ts',
  },
  {
    // Serverless endpoints. Key env: LiteLLM reads FRIENDLIAI_API_KEY then FRIENDLI_TOKEN
    // (Friendli's own SDK and LiteLLM's docs use FRIENDLI_TOKEN); LiteLLM's first chosen.
    id: 'friendliai',
    name: 'FriendliAI (Serverless)',
    baseUrl: 'https://api.friendli.ai/serverless/v1',
    apiKeyEnv: 'FRIENDLIAI_API_KEY',
    apiBaseEnv: 'FRIENDLI_API_BASE',
    source:
      'https://friendli.ai/docs/openapi/create-chat-completions; BerriAI/litellm ' +
      'litellm/litellm_core_utils/get_llm_provider_logic.py',
  },
  {
    // Lambda's docs give https://api.lambda.ai/v1 (as LiteLLM does); Portkey still has the older
    // https://api.lambdalabs.com/v1. NOTE: Lambda's docs say the Lambda Inference API has been
    // sunset (shut down on September 25), so this row may no longer answer.
    id: 'lambda_ai',
    name: 'Lambda Inference API',
    baseUrl: 'https://api.lambda.ai/v1',
    apiKeyEnv: 'LAMBDA_API_KEY',
    apiBaseEnv: 'LAMBDA_API_BASE',
    source:
      'https://docs.lambda.ai/public-cloud/lambda-inference-api; BerriAI/litellm litellm/llms/lambda_ai/chat/transformation.py',
  },
  {
    // LiteLLM's supported list for nscale is only max_tokens, n, temperature, top_p, but no
    // source states the others are rejected, so nothing is listed.
    id: 'nscale',
    name: 'Nscale',
    baseUrl: 'https://inference.api.nscale.com/v1',
    apiKeyEnv: 'NSCALE_API_KEY',
    apiBaseEnv: 'NSCALE_API_BASE',
    source:
      'BerriAI/litellm litellm/llms/nscale/chat/transformation.py; Portkey-AI/gateway src/providers/nscale/api.ts',
  },
] satisfies OpenAICompatibleHost[]);

/**
 * Alternative provider ids LiteLLM itself accepts for the hosts above (alias -> id).
 *
 * Deliberately empty: LiteLLM's `LlmProviders` enum (litellm/types/utils.py) and
 * `get_llm_provider` accept exactly one spelling per host (`together_ai`, `fireworks_ai`,
 * `friendliai`, `lambda_ai`, `featherless_ai`, `github`, ...). `together`, `fireworks`,
 * `friendli`, `lambda`, `featherless` and `github_models` are not LiteLLM ids (the
 * `together -> together_ai` maps found in public code are third-party wrappers). Near-misses that
 * ARE LiteLLM ids but name different integrations are not aliases: `vllm` (in-process vLLM),
 * `ollama` and `ollama_chat` (Ollama's native /api/chat, served by @tollgate/adapter-ollama),
 * `github_copilot` (Copilot API), `codestral`.
 */
export const HOST_ALIASES: Readonly<Record<string, string>> = Object.freeze({});
