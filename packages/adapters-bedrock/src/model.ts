/**
 * Bedrock model ids as LiteLLM configs write them: `bedrock/<modelId>`, `bedrock/converse/<modelId>`
 * (LiteLLM's route prefix, also `invoke/`), `bedrock_converse/<modelId>`; the id itself a base model
 * ("anthropic.claude-3-5-sonnet-20241022-v2:0"), a cross-region inference profile ("us.anthropic...",
 * "global.anthropic...") or an ARN (foundation model, inference profile, provisioned or custom model).
 */

// Geography prefixes of cross-region inference profiles (docs: cross-region-inference-support.html).
const GEO = /^(us|eu|apac|global|us-gov|jp|au|ca)\./;

export interface BedrockModel {
  /** The id sent in the URL path (URL-encoded there). */
  id: string;
  /** The provider family ("anthropic", "amazon", "meta", "mistral", "cohere", "deepseek", "openai", ...); '' when the id does not say (custom/provisioned ARNs). */
  family: string;
  /** The base model name without geography or ARN ("anthropic.claude-3-5-sonnet-20241022-v2:0"). */
  base: string;
  /** The region an ARN names, if any. */
  arnRegion?: string;
}

export function parseModel(providerModel: string): BedrockModel {
  const id = providerModel.replace(/^(converse|invoke)\//, '');
  let base = id;
  let arnRegion: string | undefined;
  if (id.startsWith('arn:')) {
    arnRegion = id.split(':')[3] || undefined;
    base = id.slice(id.indexOf('/') + 1);
  }
  base = base.replace(GEO, '');
  const dot = base.indexOf('.');
  const family = dot > 0 && /^[a-z0-9-]+$/.test(base.slice(0, dot)) ? base.slice(0, dot) : '';
  return { id, family, base, arnRegion };
}

/**
 * The path segment for a model id: every reserved character percent-encoded (":" and "/" of ARNs too),
 * as the AWS SDK's extendedEncodeURIComponent does. SigV4 then encodes the segment once more.
 */
export function encodeModelId(id: string): string {
  return encodeURIComponent(id).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
