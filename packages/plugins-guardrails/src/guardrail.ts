import type { ChatCompletion, ChatCompletionRequest } from '@tollgate/core';
import { Scanner, type Rule } from './scanner.js';
import type { GuardrailMode } from './types.js';

/** What a check sees: every text of the request (or the answer) in a fixed order, with its role. */
export interface GuardrailInput {
  kind: 'request' | 'response';
  mode: GuardrailMode;
  texts: string[];
  roles: string[];
  request: ChatCompletionRequest;
  response?: ChatCompletion;
  requestId?: string;
  caller?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/**
 * A check's answer. `mask` gives the replacement texts, same count and order as `input.texts`
 * (a text left as is may be repeated unchanged).
 */
export type Verdict =
  | { action: 'pass' }
  | { action: 'block'; reason: string; rule?: string }
  | { action: 'mask'; texts: string[] };

/**
 * The third-party guardrail interface. Plain JS works: an object with a name, the modes it
 * supports and a check, sync or async. See examples/guardrail-example.
 */
export interface ThirdPartyGuardrail {
  name: string;
  modes: readonly GuardrailMode[];
  check(input: GuardrailInput): Verdict | Promise<Verdict>;
}

/** A factory registered under a type name: `(options, name) => guardrail`, called once at start-up. */
export type GuardrailFactory = (options: Record<string, unknown>, name: string) => ThirdPartyGuardrail;

/** A guardrail as configured and compiled at start-up. */
export interface Guardrail {
  readonly name: string;
  readonly type: string;
  /** Default modes; LiteLLM's tag-based modes override them per request (`modesFor`). */
  readonly modes: readonly GuardrailMode[];
  readonly tagModes?: ReadonlyMap<string, readonly GuardrailMode[]>;
  readonly defaultOn: boolean;
  /** Text rules the engine runs itself (scan, mask, block); stream windows use them too. */
  readonly scanner?: Scanner;
  /** Put masked values back in the model's output. */
  readonly restoreOutput?: boolean;
  /** Any other check, given all texts at once. */
  check?(input: GuardrailInput): Verdict | Promise<Verdict>;
}

/**
 * The modes a guardrail runs in for a request carrying `tags` (LiteLLM: a tag equal to a key of
 * `mode.tags` picks that entry's modes, else `mode.default`).
 */
export function modesFor(g: Guardrail, tags: readonly string[] = []): readonly GuardrailMode[] {
  if (g.tagModes) for (const t of tags) {
    const m = g.tagModes.get(t);
    if (m) return m;
  }
  return g.modes;
}

export function scannerGuardrail(base: Omit<Guardrail, 'scanner'>, rules: Rule[]): Guardrail {
  return { ...base, scanner: new Scanner(rules) };
}
