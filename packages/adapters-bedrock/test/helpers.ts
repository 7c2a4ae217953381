import { Gateway, StreamAssembler, type ChatCompletion, type ChatCompletionChunk, type ModelEntry } from '@tollgate/core';
import bedrockPlugin from '../src/index.js';
import { MOCK_ACCESS_KEY_ID, MOCK_SECRET_ACCESS_KEY, type BedrockMockServer } from '../../testing/src/bedrock-mock.js';

export const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
export const NOVA = 'amazon.nova-pro-v1:0';

/** Deployment params that sign with the mock's AWS credentials. */
export function sigv4Params(mock: BedrockMockServer, model: string, extra: Record<string, unknown> = {}): ModelEntry['params'] {
  return { model, aws_bedrock_runtime_endpoint: mock.url, aws_region_name: mock.region, aws_access_key_id: MOCK_ACCESS_KEY_ID, aws_secret_access_key: MOCK_SECRET_ACCESS_KEY, ...extra };
}

export async function startGateway(model_list: ModelEntry[], settings: Record<string, unknown> = {}): Promise<Gateway> {
  const gateway = new Gateway({ config: { model_list, settings: { log_level: 'silent', ...settings } } });
  await gateway.use(bedrockPlugin);
  await gateway.start();
  return gateway;
}

export function assemble(chunks: ChatCompletionChunk[]): ChatCompletion {
  const a = new StreamAssembler();
  for (const c of chunks) a.add(c);
  return a.result();
}
