import { AuthenticationError, type PreparedDeployment } from '@tollgate/core';

export interface EntraOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Full token URL (tests point it at a mock). Default: {authorityHost}/{tenant}/oauth2/v2.0/token */
  tokenUrl?: string;
  authorityHost?: string;
  scope?: string;
}

/**
 * Microsoft Entra ID client-credentials flow for Azure OpenAI. The token is fetched by the
 * core's credentials service (one fetch for concurrent callers, cached until a minute before expiry).
 */
export function entraAuthorizer(o: EntraOptions): NonNullable<PreparedDeployment['authorize']> {
  const url = o.tokenUrl ?? `${(o.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '')}/${encodeURIComponent(o.tenantId)}/oauth2/v2.0/token`;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: o.clientId,
    client_secret: o.clientSecret,
    scope: o.scope ?? 'https://cognitiveservices.azure.com/.default',
  }).toString();
  const cacheKey = `entra:${o.tenantId}:${o.clientId}:${url}`;
  return async (request, credentials) => {
    const token = await credentials.get(cacheKey, async (transport) => {
      const res = await transport.send(
        { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form },
        { signal: AbortSignal.timeout(15_000) },
      );
      const text = await res.text();
      if (res.status !== 200) throw new AuthenticationError(`Could not get an Entra ID token for Azure OpenAI (HTTP ${res.status}).`);
      const body = JSON.parse(text) as { access_token?: string; expires_in?: number | string };
      if (!body.access_token) throw new AuthenticationError('Entra ID token response had no access_token.');
      return { value: body.access_token, expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000 };
    });
    request.headers = { ...request.headers, authorization: `Bearer ${token}` };
  };
}
