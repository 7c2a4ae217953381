import type { ChatCompletion, ChatCompletionRequest } from '@tollgate/core';
import type { Guardrail, GuardrailInput, Verdict } from './guardrail.js';
import { MaskSession } from './mask.js';
import { applyMasks, nonOverlapping } from './scanner.js';
import type { Block, CheckContext, CheckResult, Finding, GuardrailMode } from './types.js';
import { collectTexts, replaceTexts, visitRequest, visitResponse, type TextVisitor } from './walk.js';

export interface RequestCheckOptions extends CheckContext {
  /** `pre_call` masks in place; `during_call` never changes the request (it is already sent) and only blocks. */
  mode: 'pre_call' | 'during_call';
  /** The request's mask session: keeps placeholders consistent and holds the restore map. */
  session: MaskSession;
}

/**
 * Run input guardrails on a request, in the order given, stopping at the first block. In
 * `pre_call` mode masks are applied to the request in place (`result.changed`: the caller must
 * mark the request changed). Async only where a guardrail is (webhooks, third-party checks).
 */
export async function checkRequest(guardrails: readonly Guardrail[], options: RequestCheckOptions): Promise<CheckResult> {
  const { request, session, mode } = options;
  const visitAll = (v: TextVisitor) => visitRequest(request, v);
  return run(guardrails, visitAll, mode === 'pre_call', session, (texts, roles) => ({
    kind: 'request', mode, texts, roles, request, requestId: options.requestId, caller: options.caller, signal: options.signal,
  }));
}

export interface ResponseCheckOptions extends CheckContext {
  response: ChatCompletion;
  /**
   * Numbers output masks. Pass the request's session so they continue its numbering (an output
   * `[EMAIL_2]` never collides with the input's `[EMAIL_1]`); restore afterwards from a session
   * holding only the input's values, so output masks are never restored. Default: a fresh one.
   */
  session?: MaskSession;
}

/**
 * Run output guardrails (post_call) on a complete answer, masking in place. Check before
 * restoring input placeholders (`restoreResponse`): the checks then see the model's own text,
 * and values the client sent are given back, not masked again.
 */
export async function checkResponse(guardrails: readonly Guardrail[], options: ResponseCheckOptions): Promise<CheckResult> {
  const { request, response } = options;
  const visitAll = (v: TextVisitor) => visitResponse(response, v);
  return run(guardrails, visitAll, true, options.session ?? new MaskSession(), (texts, roles) => ({
    kind: 'response', mode: 'post_call', texts, roles, request, response, requestId: options.requestId, caller: options.caller, signal: options.signal,
  }));
}

/** Put values masked in the request back where the model's answer repeats their placeholders. */
export function restoreResponse(response: ChatCompletion, session: MaskSession): boolean {
  if (session.size === 0) return false;
  let changed = false;
  visitResponse(response, (t) => {
    const r = session.restore(t);
    if (r === t) return undefined;
    changed = true;
    return r;
  });
  return changed;
}

async function run(
  guardrails: readonly Guardrail[],
  visitAll: (v: TextVisitor) => void,
  mutate: boolean,
  session: MaskSession,
  input: (texts: string[], roles: string[]) => Omit<GuardrailInput, 'mode'> & { mode: GuardrailMode },
): Promise<CheckResult> {
  const result: CheckResult = { findings: [], changed: false, applied: [] };
  for (const g of guardrails) {
    result.applied.push(g.name);
    if (g.scanner) {
      const block = scanTexts(g, visitAll, mutate, session, result);
      if (block) return { ...result, block };
    }
    if (g.check) {
      const { texts, roles } = collectTexts(visitAll);
      const verdict: Verdict = await g.check(input(texts, roles));
      if (verdict.action === 'block') {
        return { ...result, block: { guardrail: g.name, reason: verdict.reason, rule: verdict.rule ?? g.type } };
      }
      if (verdict.action === 'mask' && mutate && replaceTexts(visitAll, verdict.texts)) result.changed = true;
    }
  }
  return result;
}

function scanTexts(g: Guardrail, visitAll: (v: TextVisitor) => void, mutate: boolean, session: MaskSession, result: CheckResult): Block | undefined {
  const scanner = g.scanner!;
  let block: Block | undefined;
  visitAll((text, _role, path) => {
    if (block) return undefined;
    const found = scanner.scan(text);
    if (found.length === 0) return undefined;
    if (found[0].action === 'block') {
      block = { guardrail: g.name, reason: found[0].reason ?? 'Content blocked.', rule: found[0].rule };
      return undefined;
    }
    for (const f of found) {
      f.path = path;
      result.findings.push(f);
    }
    if (!mutate) return undefined;
    result.changed = true;
    return applyMasks(text, found, session);
  });
  return block;
}

/**
 * logging_only: a copy of the request or answer with everything the guardrails' rules find
 * masked (blocking rules mask too), for logs and storage. The original is left alone; when
 * nothing is found the original itself is returned (no copy).
 */
export function maskForLogging<T extends ChatCompletionRequest | ChatCompletion>(guardrails: readonly Guardrail[], value: T): { masked: T; findings: Finding[] } {
  const visit = (target: T) => (v: TextVisitor) => ('messages' in target ? visitRequest(target as ChatCompletionRequest, v) : visitResponse(target as ChatCompletion, v));
  const session = new MaskSession();
  const findings: Finding[] = [];
  const replaced: string[] = [];
  let any = false;
  visit(value)((text, _role, path) => {
    let out = text;
    for (const g of guardrails) {
      if (!g.scanner) continue;
      const found = g.scanner.findAll(out);
      if (found.length === 0) continue;
      const masks = nonOverlapping(found);
      for (const f of masks) {
        f.path = path;
        findings.push(f);
      }
      out = applyMasks(out, masks, session);
    }
    replaced.push(out);
    if (out !== text) any = true;
    return undefined;
  });
  if (!any) return { masked: value, findings };
  const copy = structuredClone(value);
  replaceTexts(visit(copy), replaced);
  return { masked: copy, findings };
}

/**
 * The guardrails that apply to one request in one mode: those named by the request (body
 * `guardrails` or the `x-tollgate-guardrails` header) or by its key, plus every `default_on`
 * one, in configuration order. Unknown names are returned in `unknown` (answer 400).
 */
export function selectGuardrails(
  all: readonly Guardrail[],
  mode: GuardrailMode,
  requested: readonly string[] = [],
  modesOf: (g: Guardrail) => readonly GuardrailMode[] = (g) => g.modes,
): { guardrails: Guardrail[]; unknown: string[] } {
  const unknown = requested.filter((n) => !all.some((g) => g.name === n));
  const guardrails = all.filter((g) => (g.defaultOn || requested.includes(g.name)) && modesOf(g).includes(mode));
  return { guardrails, unknown };
}

/** Types and counts only, safe for logs: `{ guardrail: 'pii', rule: 'email', path, replacement }`. */
export function describeFindings(findings: readonly Finding[]): Array<{ guardrail: string; rule: string; path?: string; replacement?: string }> {
  return findings.map((f) => ({ guardrail: f.guardrail, rule: f.rule, path: f.path, replacement: f.replacement }));
}
