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
  // STS AssumeRole with the keys above.
  aws_role_name: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/', 'x-message': 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)' },
  aws_session_name: { type: 'string', pattern: '^[\\w+=,.@-]{2,64}$', 'x-message': 'must be 2-64 letters, digits or +=,.@_-' },
  aws_external_id: { type: 'string', minLength: 2, maxLength: 1224 },
  aws_sts_endpoint: { type: 'string', pattern: '^https?://', 'x-message': 'must be an http(s) URL' },
  // LiteLLM's other credential sources: recognised, and refused at start-up with a clear message.
  aws_profile_name: str,
  aws_web_identity_token: str,
  // Converse fields sent with every request of the deployment.
  additionalModelRequestFields: obj,
  guardrailConfig: obj,
  performanceConfig: obj,
  requestMetadata: obj,
};
