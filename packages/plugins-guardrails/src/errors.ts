import { GatewayError } from '@tollgate/core';
import type { Block } from './types.js';

/**
 * A guardrail refused the request or the answer: 400 in OpenAI's envelope with type
 * `guardrail_violation`. The message names the guardrail and a safe reason, never the text that
 * matched.
 */
export class GuardrailViolationError extends GatewayError {
  readonly guardrail: string;
  readonly rule: string;

  constructor(block: Block) {
    super(400, 'guardrail_violation', `Blocked by guardrail '${block.guardrail}': ${block.reason}`, {
      code: 'guardrail_violation',
      kind: 'content_policy',
    });
    this.guardrail = block.guardrail;
    this.rule = block.rule;
  }
}
