export type { Action, Block, CheckContext, CheckResult, Finding, GuardrailMode, Span } from './types.js';
export { MODES } from './types.js';
export type { Detector, CharSet } from './detect/detector.js';
export { charSet, regexDetector } from './detect/detector.js';
export { creditCard, email, iban, ipv4, ipv6, phone, usSsn, usSsnNoDash, validIpv6 } from './detect/pii.js';
export {
  anthropicKey, awsAccessKey, awsSecretKey, githubToken, googleApiKey, jwt, openaiKey, privateKey, privateKeyHeader, slackToken, stripeKey,
  SECRET_DETECTORS,
} from './detect/secrets.js';
export { keywordDetector, regexDenyDetector } from './detect/lists.js';
export { INJECTION_PHRASES, scorePromptInjection, type InjectionScore } from './detect/injection.js';
export { estimateTokens, TOKENS_PER_MESSAGE } from './detect/limits.js';
export { cardBrand, IBAN_LENGTHS, luhn, validIban, validSsn } from './detect/checksums.js';
export { Scanner, applyMasks, type Rule } from './scanner.js';
export { MaskSession, StreamRestorer } from './mask.js';
export { StreamWindow, type WindowResult } from './window.js';
export { StreamGuard, type ChunkResult } from './stream.js';
export { visitRequest, visitResponse, type TextVisitor } from './walk.js';
export {
  checkRequest, checkResponse, describeFindings, maskForLogging, restoreResponse, selectGuardrails,
  type RequestCheckOptions, type ResponseCheckOptions,
} from './engine.js';
export { modesFor, type Guardrail, type GuardrailFactory, type GuardrailInput, type ThirdPartyGuardrail, type Verdict } from './guardrail.js';
export { PII_ENTITIES, SECRET_ENTITIES } from './builtins.js';
export { checkJsonSchema, schemaCacheSize, type SchemaCheck } from './json-schema.js';
export { WebhookClient, WebhookError, type WebhookOptions } from './webhook.js';
export { GuardrailViolationError } from './errors.js';
export { compileGuardrails, externalTypes, guardrailLists, type CompileOptions, type CompiledGuardrails } from './config/compile.js';
export { LITELLM_PREBUILT } from './config/litellm.js';
export { HEADER as GUARDRAILS_HEADER } from './plugin/select.js';
export { StreamWatch } from './plugin/watch.js';
export type { GuardrailsOptions } from './plugin/index.js';
export { default } from './plugin/index.js';
