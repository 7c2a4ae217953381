import type { Credential, CredentialsService, PreparedDeployment, Transport } from '@tollgate/core';
import { keySecrets, signRequest, signerFor, type AssumeRole, type AwsKeys } from './auth.js';
import { mapBedrockError } from './errors.js';

/** How long an assumed session lasts (STS's default); the core refreshes it a minute before. */
const DURATION_SECONDS = 3600;
const STS_TIMEOUT_MS = 10_000;

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1].replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : XML_ENTITIES[e]));
}

/** The region an STS endpoint signs for: the regional host's, us-east-1 for the global one, else the deployment's. */
function stsRegion(url: string, region: string): string {
  const host = new URL(url).hostname;
  if (host === 'sts.amazonaws.com') return 'us-east-1';
  return /^sts\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1] ?? region;
}

/**
 * STS AssumeRole over the Query protocol (docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html),
 * signed with the base keys; the XML answer's Credentials as structured values with their expiry.
 * An STS refusal becomes an error with its kind (AccessDenied: permission; a refused key: auth).
 */
export async function assumeRole(transport: Transport, base: AwsKeys, role: AssumeRole, region: string): Promise<Credential<AwsKeys>> {
  const form = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: role.roleArn, RoleSessionName: role.sessionName, DurationSeconds: String(DURATION_SECONDS) });
  if (role.externalId) form.set('ExternalId', role.externalId);
  const request = { method: 'POST' as const, url: `${role.stsUrl}/`, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' }, body: form.toString() };
  await signRequest(signerFor(base, stsRegion(role.stsUrl, region), 'sts'), request);
  const res = await transport.send(request, { signal: AbortSignal.timeout(STS_TIMEOUT_MS) });
  const xml = await res.text();
  const accessKeyId = tag(xml, 'AccessKeyId');
  const secretAccessKey = tag(xml, 'SecretAccessKey');
  const sessionToken = tag(xml, 'SessionToken');
  const expiresAt = Date.parse(tag(xml, 'Expiration') ?? '');
  if (res.status !== 200 || !accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiresAt)) {
    const code = tag(xml, 'Code') ?? 'InternalServerException';
    const message = `STS AssumeRole of ${role.roleArn} refused: ${tag(xml, 'Message') ?? `HTTP ${res.status}`}`;
    throw mapBedrockError({ status: res.status === 200 ? 502 : res.status, headers: { 'x-amzn-errortype': code }, body: JSON.stringify({ message }) });
  }
  return { value: { accessKeyId, secretAccessKey, sessionToken }, expiresAt };
}

/**
 * `authorize` for a deployment that assumes a role: the session comes from the core's credentials
 * cache (shared by deployments that assume the same role with the same keys, refreshed before it
 * expires, dropped and fetched again when Bedrock refuses it with kind `auth`, e.g.
 * ExpiredTokenException). Each new session's values join the deployment's `secrets`, so the core
 * scrubs them too.
 */
export function assumeRoleAuthorizer(base: AwsKeys, role: AssumeRole, region: string, secrets: string[]): NonNullable<PreparedDeployment['authorize']> {
  const key = `bedrock-sts:${role.stsUrl}|${role.roleArn}|${role.sessionName}|${role.externalId ?? ''}|${base.accessKeyId}`;
  const baseCount = secrets.length;
  let current: { keys: AwsKeys; signer: ReturnType<typeof signerFor> } | null = null;
  return async (request, credentials: CredentialsService) => {
    const keys = await credentials.get<AwsKeys>(key, (transport) => assumeRole(transport, base, role, region));
    if (current?.keys !== keys) {
      current = { keys, signer: signerFor(keys, region) };
      secrets.splice(baseCount, secrets.length - baseCount, ...keySecrets(keys));
    }
    await signRequest(current.signer, request);
  };
}
