import { pathToFileURL } from 'node:url';
import {
  ApiError, ConfigError, resolvePackage, STAGE_INPUT_GUARD, type ChatCompletion, type ChatCompletionRequest, type Gateway, type GatewayError, type Logger,
  type Plugin, type RequestContext,
} from '@tollgate/core';
import { compileGuardrails, externalTypes, guardrailLists } from '../config/compile.js';
import { checkRequest, checkResponse, describeFindings, maskForLogging, restoreResponse } from '../engine.js';
import { GuardrailViolationError } from '../errors.js';
import type { Guardrail, GuardrailFactory } from '../guardrail.js';
import { MaskSession } from '../mask.js';
import { StreamGuard } from '../stream.js';
import type { Block, Finding } from '../types.js';
import { callerFacts, HEADER, requestedNames, Selector, type Selection } from './select.js';
import { StreamWatch } from './watch.js';

export interface GuardrailsOptions {
  /** More guardrails, in the config's shapes (native or LiteLLM): for a gateway composed in code. */
  guardrails?: unknown[];
  /** Third-party guardrail factories by type name (a config names their packages instead). */
  types?: Record<string, GuardrailFactory>;
}

/** One guarded request's state. */
interface State {
  sel: Selection;
  /** Numbers every mask of the request, input and output alike, so placeholders never collide. */
  session: MaskSession;
  /** The input values to put back in the answer (guardrails with `restore_output`), or null. */
  restore: MaskSession | null;
  /** The stream's post_call watcher, when it holds the answer for a check of the whole of it. */
  watch: StreamWatch | null;
  /** A JSON-schema guardrail asked for its one retry: the next failed attempt is retried. */
  retryNow: boolean;
  retried: boolean;
}

const NAME = '@tollgate/plugin-guardrails';
const list = { type: 'array', items: { type: 'object' } };

const plugin: Plugin<GuardrailsOptions> = {
  name: NAME,
  meta: { core: '^0.1.0' },
  schema: {
    type: 'object',
    properties: { guardrails: { type: 'array' }, types: { type: 'object' } },
    additionalProperties: false,
  },
  // LiteLLM's `guardrails` section, and `litellm_settings.guardrails` (its first format; the loader folds it into settings).
  config: { sections: { guardrails: list }, settings: { guardrails: list } },
  async apply(gateway, options) {
    const all = await compileAll(gateway, options);
    if (all.length === 0) return;
    wire(gateway, all);
  },
};

export default plugin;

/** Every guardrail of the config and the options, compiled once; third-party types imported by package name. */
async function compileAll(gateway: Gateway, options: GuardrailsOptions): Promise<Guardrail[]> {
  const lists = guardrailLists(gateway.config);
  if (options.guardrails) lists.push({ list: options.guardrails, path: `plugins.${NAME}.guardrails` });
  const types: Record<string, GuardrailFactory> = { ...options.types };
  for (const { list: l } of lists) for (const t of externalTypes(l)) if (!types[t]) await importType(t, gateway.configDir, types);
  const all: Guardrail[] = [];
  const log = gateway.logger;
  for (const { list: l, path } of lists) {
    const { guardrails, warnings } = compileGuardrails(l, {
      path,
      baseDir: gateway.configDir,
      types,
      // The config loader resolved environment references per key already.
      resolveEnv: false,
      onWebhookFailOpen: (guardrail, err) => log.warn({ guardrail, err: err.message }, 'guardrail service failed; request let through (fail_open)'),
    });
    for (const w of warnings) log.warn(w);
    for (const g of guardrails) {
      if (all.some((x) => x.name === g.name)) throw new ConfigError(`${path}: the guardrail name "${g.name}" is used twice`);
      all.push(g);
    }
  }
  return all;
}

/** A third-party guardrail type names its package: import it from the config's directory (or the working one) when installed. */
async function importType(type: string, configDir: string, into: Record<string, GuardrailFactory>): Promise<void> {
  const file = resolvePackage(type, [configDir, process.cwd()]);
  if (!file) return;
  let factory: unknown;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    factory = mod.default ?? mod;
  } catch (err) {
    throw new ConfigError(`Guardrail package "${type}" (${file}) failed to load: ${(err as Error).message}`);
  }
  if (typeof factory !== 'function') throw new ConfigError(`Guardrail package "${type}" must export a factory function by default (options, name) => guardrail`);
  into[type] = factory as GuardrailFactory;
}

function wire(gateway: Gateway, all: Guardrail[]): void {
  const byName = new Map(all.map((g) => [g.name, g]));
  const selector = new Selector(all);
  const anyDefault = all.some((g) => g.defaultOn);
  const slot = gateway.declareSlot<State | null>('guardrails', null);
  const log = gateway.logger;
  const { hooks } = gateway;

  // Before the cache (STAGE_CACHE), so its key is taken on the masked request. marksChanges: this
  // tap calls markRequestChanged() whenever it changes the request, so unchanged ones keep pass-through.
  hooks.preRoute.tapPromise({ name: NAME, stage: STAGE_INPUT_GUARD, marksChanges: true }, async (request: ChatCompletionRequest, ctx) => {
    if (ctx.operation !== 'chat' || ctx.internal) return;
    const { names, changed } = requestedNames(request as never, ctx.headers);
    if (changed) ctx.markRequestChanged();
    if (!anyDefault && names.length === 0 && !ctx.caller.guardrails?.length) return;
    const sel = selector.select(names, ctx.caller, request as never);
    if (!sel) return;
    ctx.responseHeaders[HEADER] = sel.applied;
    const s: State = { sel, session: new MaskSession(), restore: null, watch: null, retryNow: false, retried: false };
    slot.set(ctx, s);
    const facts = callerFacts(ctx.caller);
    if (sel.pre.length) {
      const r = await checkRequest(sel.pre, { request, mode: 'pre_call', session: s.session, requestId: ctx.id, caller: facts, signal: signalFor(sel.pre, ctx) });
      if (r.block) return { reject: refuse(ctx, r.block, log, 'request'), reason: 'guardrail' };
      if (r.changed) {
        ctx.markRequestChanged();
        log.debug({ requestId: ctx.id, masked: describeFindings(r.findings) }, 'guardrails masked the request');
      }
      s.restore = restoreSession(r.findings, s.session, sel.pre);
    }
    if (sel.during.length) {
      // Beside the upstream call: the answer waits for it; a block cancels the call.
      ctx.holdAnswer(checkRequest(sel.during, { request, mode: 'during_call', session: new MaskSession(), requestId: ctx.id, caller: facts, signal: signalFor(sel.during, ctx) }).then(
        (r) => { if (r.block) ctx.reject(refuse(ctx, r.block, log, 'request'), 'guardrail'); },
        (err: unknown) => { ctx.reject(checkFailed(err, log, ctx), 'guardrail'); },
      ));
    }
    if (sel.logging.length) ctx.requestForLogs = maskedCopy(sel.logging, request);
    if (ctx.stream) watchStream(ctx, s, log);
    return undefined;
  });

  // Complete answers (ready ones too, a streamed client's replay included): post_call, then input values restored.
  hooks.transformResponse.tapPromise({ name: NAME, stage: STAGE_INPUT_GUARD, marksChanges: true }, async (response: ChatCompletion, ctx) => {
    const s = slot.get(ctx);
    if (!s || !response || !Array.isArray(response.choices)) return response;
    const { post, logging } = s.sel;
    if (post.length) {
      const r = await checkResponse(post, { request: ctx.request, response, session: s.session, requestId: ctx.id, caller: callerFacts(ctx.caller), signal: signalFor(post, ctx) });
      if (r.block) {
        const retry = (byName.get(r.block.guardrail) as { retry?: boolean } | undefined)?.retry === true;
        // One more attempt for an answer that broke its JSON schema (not for ready answers: there is no attempt to repeat).
        if (retry && !s.retried && ctx.outcome === 'pending') {
          s.retried = s.retryNow = true;
          throw new GuardrailViolationError(r.block);
        }
        const e = refuse(ctx, r.block, log, 'answer');
        ctx.reject(e, 'guardrail');
        throw e;
      }
      if (r.changed) {
        ctx.markResponseChanged();
        ctx.blockedBy ??= r.findings[0]?.guardrail ?? r.applied.join(',');
      }
    }
    if (s.restore && restoreResponse(response, s.restore)) {
      ctx.markResponseChanged();
      // The answer now holds this caller's own values: never reuse it for another request.
      ctx.blockedBy ??= restorerOf(s.sel.pre);
    }
    if (logging.length) ctx.responseForLogs = maskedCopy(logging, response);
    return response;
  });

  hooks.attemptFailed.tapPromise({ name: NAME, stage: STAGE_INPUT_GUARD }, async (_e, ctx) => {
    const s = slot.get(ctx);
    if (!s?.retryNow) return undefined;
    s.retryNow = false;
    return { action: 'retry' };
  });

  // A stream held for checks of the whole answer (webhook, JSON schema, third-party), and logging copies.
  hooks.streamEnd.tapPromise({ name: NAME, stage: STAGE_INPUT_GUARD }, async (answer: ChatCompletion, ctx) => {
    const s = slot.get(ctx);
    if (!s || ctx.streamEndReason) return;
    if (s.watch) {
      const r = await checkResponse(s.sel.whole, { request: ctx.request, response: answer, session: s.session, requestId: ctx.id, caller: callerFacts(ctx.caller), signal: ctx.signal });
      if (r.block) {
        ctx.endStream('content_filter', { error: refuse(ctx, r.block, log, 'answer'), reason: 'guardrail' });
        return;
      }
      const restored = s.restore !== null && restoreResponse(answer, s.restore);
      if (r.changed || restored) {
        s.watch.rewrite(answer);
        ctx.blockedBy ??= r.changed ? r.applied.join(',') : restorerOf(s.sel.pre);
      }
    }
    if (s.sel.logging.length) ctx.responseForLogs = maskedCopy(s.sel.logging, answer);
  });
}

/**
 * post_call on a stream: text rules through a window per chunk; with checks that need the whole
 * answer, the stream is held to its end and judged at `streamEnd`. Input values are restored in
 * what goes out. Nothing is watched when there is nothing to do.
 */
function watchStream(ctx: RequestContext, s: State, log: Logger): void {
  const { whole, scanning, logging } = s.sel;
  const holdAll = whole.length > 0;
  if (holdAll || logging.length) ctx.collectResponse();
  // Held to the end, the values are restored on the whole answer, after its checks.
  const guard = new StreamGuard(scanning, holdAll ? undefined : s.restore ?? undefined, s.session);
  if (guard.idle && !holdAll) return;
  const choices = Math.max(1, (ctx.request as ChatCompletionRequest).n ?? 1);
  const watch = new StreamWatch(guard, choices, holdAll, (block) => {
    ctx.endStream('content_filter', { error: refuse(ctx, block, log, 'answer'), reason: 'guardrail' });
  });
  if (holdAll) s.watch = watch;
  else if (s.restore) ctx.blockedBy ??= restorerOf(s.sel.pre);
  // A masked stream is not the model's answer: name the guardrail at the end (after its last release), so no cache stores it.
  ctx.watchChunks((chunk, c) => {
    const out = watch.watcher(chunk, c);
    if (chunk === null) ctx.blockedBy ??= guard.maskedBy;
    return out;
  });
}

/** The request's AbortSignal for checks that may call out (webhooks, third-party); text rules need none (making one costs). */
function signalFor(guardrails: readonly Guardrail[], ctx: RequestContext): AbortSignal | undefined {
  return guardrails.some((g) => g.check) ? ctx.signal : undefined;
}

/** A block: the 400 the client gets, named on the context (so no cache keeps the answer) and logged without the text. */
function refuse(ctx: RequestContext, block: Block, log: Logger, what: 'request' | 'answer'): GatewayError {
  ctx.blockedBy = block.guardrail;
  log.info({ requestId: ctx.id, guardrail: block.guardrail, rule: block.rule }, `guardrail blocked the ${what}`);
  return new GuardrailViolationError(block);
}

/** A check that threw (a third-party guardrail's bug): fail closed. */
function checkFailed(err: unknown, log: Logger, ctx: RequestContext): GatewayError {
  log.error({ requestId: ctx.id, err }, 'guardrail check failed');
  return new ApiError('A guardrail check failed.', { status: 500, code: 'guardrail_error' });
}

/** The restore map of the input values masked by guardrails with `restore_output`, or null. */
function restoreSession(findings: readonly Finding[], session: MaskSession, pre: readonly Guardrail[]): MaskSession | null {
  const restoring = new Set(pre.filter((g) => g.restoreOutput).map((g) => g.name));
  if (restoring.size === 0) return null;
  const r = new MaskSession();
  for (const f of findings) {
    const value = f.replacement && restoring.has(f.guardrail) ? session.restoreMap.get(f.replacement) : undefined;
    if (value !== undefined) r.restoreMap.set(f.replacement!, value);
  }
  return r.size ? r : null;
}

function restorerOf(pre: readonly Guardrail[]): string {
  return pre.find((g) => g.restoreOutput)?.name ?? 'guardrails';
}

/** logging_only: a masked copy for logs and stores, or null when there was nothing to mask. */
function maskedCopy<T extends ChatCompletionRequest | ChatCompletion>(guardrails: readonly Guardrail[], value: T): T | null {
  const { masked } = maskForLogging(guardrails, value);
  return masked === value ? null : masked;
}
