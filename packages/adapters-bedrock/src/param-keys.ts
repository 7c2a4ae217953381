/**
 * Deployment params this adapter reads beyond the core's, with LiteLLM's names
 * (litellm/llms/bedrock/base_aws_llm.py), so a typo in a native config is an error and a LiteLLM
 * config's keys are recognised.
 */
const str = { type: 'string', minLength: 1 };
const obj = { type: 'object' };

export const BEDROCK_PARAM_KEYS: Readonly<Record<string, Record<string, unknown>>> = {
  aws_access_key_id: str,
  aws_secret_access_key: str,
  aws_session_token: str,
  aws_region_name: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', 'x-message': 'must be an AWS region such as us-east-1' },
  aws_bedrock_runtime_endpoint: { type: 'string', pattern: '^https?://', 'x-message': 'must be an http(s) URL' },
  // Converse fields sent with every request of the deployment.
  additionalModelRequestFields: obj,
  guardrailConfig: obj,
  performanceConfig: obj,
  requestMetadata: obj,
};
