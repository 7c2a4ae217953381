import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError, type DeploymentParams, type PreparedDeployment, type UpstreamRequest } from '@tollgate/core';

/** How a deployment authenticates: SigV4 with AWS credentials, or a Bedrock API key as a bearer token. */
export type BedrockAuth =
  | { kind: 'sigv4'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { kind: 'bearer'; apiKey: string };

const env = (...names: string[]): string | undefined => {
  for (const n of names) if (process.env[n]) return process.env[n];
  return undefined;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * Credentials, in LiteLLM's order: explicit AWS keys in params, then an API key in params, then the
 * environment (AWS_BEARER_TOKEN_BEDROCK, then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
 * Param names as LiteLLM's (litellm/llms/bedrock/base_aws_llm.py).
 */
export function resolveAuth(p: DeploymentParams): BedrockAuth {
  const akid = str(p.aws_access_key_id);
  const secret = str(p.aws_secret_access_key);
  if (akid || secret) {
    if (!akid || !secret) throw new ConfigError('Bedrock: set both aws_access_key_id and aws_secret_access_key.');
    return { kind: 'sigv4', accessKeyId: akid, secretAccessKey: secret, sessionToken: str(p.aws_session_token) };
  }
  const apiKey = str(p.api_key) ?? env('AWS_BEARER_TOKEN_BEDROCK');
  if (apiKey) return { kind: 'bearer', apiKey };
  const envKey = env('AWS_ACCESS_KEY_ID');
  const envSecret = env('AWS_SECRET_ACCESS_KEY');
  if (envKey && envSecret) return { kind: 'sigv4', accessKeyId: envKey, secretAccessKey: envSecret, sessionToken: str(p.aws_session_token) ?? env('AWS_SESSION_TOKEN') };
  throw new ConfigError(
    'no credentials for Bedrock: set params.aws_access_key_id and aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or a Bedrock API key in params.api_key (or AWS_BEARER_TOKEN_BEDROCK).',
  );
}

/** Every value of a credential: the core scrubs these from upstream error text. */
export function authSecrets(a: BedrockAuth): string[] {
  return a.kind === 'bearer' ? [a.apiKey] : [a.accessKeyId, a.secretAccessKey, ...(a.sessionToken ? [a.sessionToken] : [])];
}

/** Region: params, then AWS_REGION_NAME / AWS_REGION / AWS_DEFAULT_REGION, then an ARN's region, then LiteLLM's default us-west-2. */
export function resolveRegion(p: DeploymentParams, arnRegion: string | undefined): string {
  return str(p.aws_region_name) ?? env('AWS_REGION_NAME', 'AWS_REGION', 'AWS_DEFAULT_REGION') ?? arnRegion ?? 'us-west-2';
}

/**
 * `authorize` for SigV4 deployments: signs the final method, URL, headers and body just before the
 * send (X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token, Authorization), with the AWS SDK's
 * signer. Bedrock's signing name is "bedrock" for bedrock-runtime and bedrock-agent-runtime alike.
 */
export function sigv4Authorizer(a: Extract<BedrockAuth, { kind: 'sigv4' }>, region: string): NonNullable<PreparedDeployment['authorize']> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, sessionToken: a.sessionToken },
    region,
    service: 'bedrock',
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (request: UpstreamRequest) => {
    const url = new URL(request.url);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      body: request.body,
    });
    request.headers = signed.headers;
  };
}
