import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, so one copy of
// @tollgate/core is loaded (instanceof checks across packages hold) and no build is needed.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tollgate\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@tollgate\/adapter-openai$/, replacement: src('./packages/adapters-openai/src/index.ts') },
      { find: /^@tollgate\/adapter-mock$/, replacement: src('./packages/adapters-mock/src/index.ts') },
      { find: /^@tollgate\/adapter-anthropic$/, replacement: src('./packages/adapters-anthropic/src/index.ts') },
      { find: /^@tollgate\/adapter-gemini$/, replacement: src('./packages/adapters-gemini/src/index.ts') },
      { find: /^@tollgate\/adapter-bedrock$/, replacement: src('./packages/adapters-bedrock/src/index.ts') },
      { find: /^@tollgate\/adapter-cohere$/, replacement: src('./packages/adapters-cohere/src/index.ts') },
      { find: /^@tollgate\/adapter-ollama$/, replacement: src('./packages/adapters-ollama/src/index.ts') },
      { find: /^@tollgate\/plugin-loadbalance$/, replacement: src('./packages/plugins-loadbalance/src/index.ts') },
      { find: /^@tollgate\/plugin-cache$/, replacement: src('./packages/plugins-cache/src/index.ts') },
      { find: /^@tollgate\/plugin-guardrails$/, replacement: src('./packages/plugins-guardrails/src/index.ts') },
      { find: /^@tollgate\/plugin-cost$/, replacement: src('./packages/plugins-cost/src/index.ts') },
      { find: /^@tollgate\/plugin-keys$/, replacement: src('./packages/plugins-keys/src/index.ts') },
      { find: /^@tollgate\/plugin-metrics$/, replacement: src('./packages/plugins-metrics/src/index.ts') },
      { find: /^@tollgate\/plugin-otel$/, replacement: src('./packages/plugins-otel/src/index.ts') },
      { find: /^@tollgate\/state-redis$/, replacement: src('./packages/state-redis/src/index.ts') },
      { find: /^@tollgate\/server$/, replacement: src('./packages/server/src/index.ts') },
      { find: /^@tollgate\/testing$/, replacement: src('./packages/testing/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'examples/*/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
