import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError, type DeploymentParams, type PreparedDeployment, type UpstreamRequest } from '@tollgate/core';

/** AWS credentials: long-term keys, or temporary ones with a session token. */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** An STS AssumeRole a deployment makes with its base keys (LiteLLM's aws_role_name, aws_session_name, aws_external_id). */
export interface AssumeRole {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  /** The STS endpoint (`aws_sts_endpoint`), default the region's. */
  stsUrl: string;
}

/** How a deployment authenticates: SigV4 with AWS keys (its own, or a role's assumed with them), or a Bedrock API key as a bearer token. */
export type BedrockAuth =
  | ({ kind: 'sigv4' } & AwsKeys)
  | { kind: 'assume-role'; base: AwsKeys; role: AssumeRole }
  | { kind: 'bearer'; apiKey: string };

const env = (...names: string[]): string | undefined => {
  for (const n of names) if (process.env[n]) return process.env[n];
  return undefined;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** AWS keys from params (both parts, or neither). */
function paramKeys(p: DeploymentParams): AwsKeys | undefined {
  const akid = str(p.aws_access_key_id);
  const secret = str(p.aws_secret_access_key);
  if (!akid && !secret) return undefined;
  if (!akid || !secret) throw new ConfigError('Bedrock: set both aws_access_key_id and aws_secret_access_key.');
  return { accessKeyId: akid, secretAccessKey: secret, sessionToken: str(p.aws_session_token) };
}

/** AWS keys from the standard variables. */
function envKeys(p: DeploymentParams): AwsKeys | undefined {
  const akid = env('AWS_ACCESS_KEY_ID');
  const secret = env('AWS_SECRET_ACCESS_KEY');
  return akid && secret ? { accessKeyId: akid, secretAccessKey: secret, sessionToken: str(p.aws_session_token) ?? env('AWS_SESSION_TOKEN') } : undefined;
}

/**
 * Credentials, in LiteLLM's order (litellm/llms/bedrock/base_aws_llm.py, get_credentials): a role to
 * assume (`aws_role_name`, with the keys below as base credentials), explicit AWS keys in params, an
 * API key in params, then the environment (AWS_BEARER_TOKEN_BEDROCK, then AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN). Profiles and web identity are refused, not ignored.
 */
export function resolveAuth(p: DeploymentParams, region = 'us-west-2'): BedrockAuth {
  for (const k of ['aws_profile_name', 'aws_web_identity_token'] as const) {
    if (p[k] !== undefined) throw new ConfigError(`Bedrock: ${k} is not supported yet; use aws_access_key_id / aws_secret_access_key (with aws_role_name to assume a role) or a Bedrock API key.`);
  }
  const roleArn = str(p.aws_role_name);
  if (roleArn) {
    const base = paramKeys(p) ?? envKeys(p);
    if (!base) throw new ConfigError('Bedrock: aws_role_name needs base credentials to call STS with: aws_access_key_id and aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).');
    const role: AssumeRole = {
      roleArn,
      // LiteLLM's default session name when none is given.
      sessionName: str(p.aws_session_name) ?? `litellm-session-${Math.floor(Date.now() / 1000)}`,
      externalId: str(p.aws_external_id),
      stsUrl: (str(p.aws_sts_endpoint) ?? `https://sts.${region}.amazonaws.com`).replace(/\/+$/, ''),
    };
    return { kind: 'assume-role', base, role };
  }
  const own = paramKeys(p);
  if (own) return { kind: 'sigv4', ...own };
  const apiKey = str(p.api_key) ?? env('AWS_BEARER_TOKEN_BEDROCK');
  if (apiKey) return { kind: 'bearer', apiKey };
  const fromEnv = envKeys(p);
  if (fromEnv) return { kind: 'sigv4', ...fromEnv };
  throw new ConfigError(
    'no credentials for Bedrock: set params.aws_access_key_id and aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or a Bedrock API key in params.api_key (or AWS_BEARER_TOKEN_BEDROCK).',
  );
}

export function keySecrets(k: AwsKeys): string[] {
  return [k.accessKeyId, k.secretAccessKey, ...(k.sessionToken ? [k.sessionToken] : [])];
}

/** Every value of a configured credential: the core scrubs these from error text (assumed ones join at run time). */
export function authSecrets(a: BedrockAuth): string[] {
  if (a.kind === 'bearer') return [a.apiKey];
  return keySecrets(a.kind === 'assume-role' ? a.base : a);
}

/** Region: params, then AWS_REGION_NAME / AWS_REGION / AWS_DEFAULT_REGION, then an ARN's region, then LiteLLM's default us-west-2. */
export function resolveRegion(p: DeploymentParams, arnRegion: string | undefined): string {
  return str(p.aws_region_name) ?? env('AWS_REGION_NAME', 'AWS_REGION', 'AWS_DEFAULT_REGION') ?? arnRegion ?? 'us-west-2';
}

/** A SigV4 signer for these keys; signing name `bedrock` for bedrock-runtime and bedrock-agent-runtime alike. */
export function signerFor(k: AwsKeys, region: string, service = 'bedrock'): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, sessionToken: k.sessionToken },
    region,
    service,
    sha256: Hash.bind(null, 'sha256'),
  });
}

/**
 * Sign the final method, URL, headers and body (X-Amz-Date, X-Amz-Content-Sha256,
 * X-Amz-Security-Token, Authorization) with the AWS SDK's signer, in place.
 */
export async function signRequest(signer: SignatureV4, request: UpstreamRequest): Promise<void> {
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
}

/** `authorize` for deployments with their own AWS keys: every request signed just before it is sent. */
export function sigv4Authorizer(k: AwsKeys, region: string): NonNullable<PreparedDeployment['authorize']> {
  const signer = signerFor(k, region);
  return (request) => signRequest(signer, request);
}
