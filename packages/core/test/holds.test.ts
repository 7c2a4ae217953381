/**
 * Answers held for a check running beside the upstream call (ctx.holdAnswer), refusals from
 * anywhere in a request (ctx.reject), and streams ended with a refusal (ctx.endStream with an
 * error): what the caller gets, what the upstream sees, and how the request is accounted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, Gateway, STAGE_INPUT_GUARD, type ChatCompletionChunk, type ModelEntry, type Plugin, type RequestContext } from '@tollgate/core';
import openai from '@tollgate/adapter-openai';
import { collect, settle, silent, user } from './helpers.js';
import { chunk, completion, startScriptedUpstream, usageChunk, type ScriptedUpstream } from './scripted-upstream.js';

let up: ScriptedUpstream;
beforeAll(async () => { up = await startScriptedUpstream(); });
afterAll(async () => { await up.close(); });

const model: ModelEntry = { model_name: 'm', params: { model: 'openai/m', api_base: '', api_key: 'sk-test-upstream' } };
const refusal = () => new BadRequestError('Refused by the check.', { code: 'refused' });

async function gateway(plugin: Plugin): Promise<{ g: Gateway; accounted: RequestContext[] }> {
  const accounted: RequestContext[] = [];
  const g = new Gateway({ logger: silent, config: { model_list: [{ ...model, params: { ...model.params, api_base: `${up.url}/v1` } }] } });
  await g.use(openai);
  await g.use(plugin);
  await g.use({ name: 'acc', apply(gw) { gw.hooks.account.tapPromise('acc', async (ctx) => { accounted.push(ctx); }); } });
  await g.start();
  return { g, accounted };
}

/** A promise and its resolver, to settle a hold when the test says so. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

const until = async (cond: () => boolean): Promise<void> => { while (!cond()) await new Promise((r) => setTimeout(r, 2)); };

describe('ctx.holdAnswer', () => {
  it('a complete answer waits for the hold before transformResponse', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const { g } = await gateway({
      name: 'hold',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'hold', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (_r, ctx) => {
          ctx.holdAnswer(gate.promise.then(() => { seen.push('check passed'); }));
        });
        gw.hooks.transformResponse.tapPromise({ name: 'see', marksChanges: true }, async (r) => { seen.push('transformResponse'); return r; });
      },
    });
    up.queue({ headers: { 'content-type': 'application/json' }, steps: [{ write: completion('hi'), end: true }] });
    const answer = g.chat({ model: 'm', messages: [user('x')] });
    await until(() => up.received.length > 0);
    // The upstream has answered; nothing goes further until the hold settles.
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    gate.resolve();
    expect((await answer).choices[0].message.content).toBe('hi');
    expect(seen).toEqual(['check passed', 'transformResponse']);
    await g.close();
  });

  it('a refusal during the upstream call cancels it: the caller gets the error, the request is rejected', async () => {
    const { g, accounted } = await gateway({
      name: 'during',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'during', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (_r, ctx) => {
          const n = up.received.length;
          ctx.holdAnswer((async () => {
            await until(() => up.received.length > n);
            ctx.reject(refusal(), 'guardrail');
          })());
        });
      },
    });
    up.queue({ headDelay: 10_000, steps: [{ write: completion('too late'), end: true }] });
    const before = up.received.length;
    await expect(g.chat({ model: 'm', messages: [user('x')] })).rejects.toMatchObject({ status: 400, code: 'refused' });
    await until(() => up.received[before]?.closedEarly === true);
    await settle();
    expect(accounted[0].outcome).toBe('rejected');
    expect(accounted[0].outcomeReason).toBe('guardrail');
    await g.close();
  });

  it('a stream is handed over only once the hold passes; a refusal while held hands over nothing', async () => {
    const gate = deferred();
    let firstContent = false;
    const { g, accounted } = await gateway({
      name: 'hold-stream',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'hold', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (_r, ctx) => {
          ctx.holdAnswer(gate.promise);
          ctx.watchChunks((c) => { if (c?.choices[0]?.delta.content) firstContent = true; return c; });
        });
      },
    });
    up.queue({ steps: [{ write: chunk('hello ') }, { wait: 5, write: chunk('world') }, { wait: 5, write: chunk('', 'stop') + usageChunk() + 'data: [DONE]\n\n', end: true }] });
    let handed = false;
    const pending = g.chat({ model: 'm', stream: true, messages: [user('x')] }).then((s) => { handed = true; return s; });
    // The stream committed at its first content; without the hold it would be handed over within this turn.
    await until(() => firstContent);
    await new Promise((r) => setImmediate(r));
    expect(handed).toBe(false);
    gate.resolve();
    const chunks = await collect(await pending);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('hello world');

    // Refused while held: execute rejects with the refusal; no stream is handed over.
    const gate2 = deferred();
    const { g: g2, accounted: acc2 } = await gateway({
      name: 'hold-stream',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'hold', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (_r, ctx) => {
          ctx.holdAnswer(gate2.promise.then(() => ctx.reject(refusal(), 'guardrail')));
        });
      },
    });
    up.queue({ steps: [{ write: chunk('secret ') }, { wait: 10_000, write: chunk('', 'stop'), end: true }] });
    const before = up.received.length;
    const refused = g2.chat({ model: 'm', stream: true, messages: [user('x')] });
    await until(() => up.received.length > before);
    gate2.resolve();
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'refused' });
    await until(() => up.received[before]?.closedEarly === true);
    await settle();
    expect(accounted[0].outcome).toBe('ok');
    expect(acc2[0].outcome).toBe('rejected');
    await g.close();
    await g2.close();
  });
});

describe('ctx.endStream with a refusal', () => {
  const stream = { steps: [{ write: chunk('one ') }, { wait: 2, write: chunk('two ') }, { wait: 2, write: chunk('three ') }, { wait: 2, write: chunk('', 'stop') + usageChunk() + 'data: [DONE]\n\n', end: true }] };

  it('from a chunk watcher: the chunks before it, an end chunk with its finish reason, then the error; the attempt counts as a success', async () => {
    const { g, accounted } = await gateway({
      name: 'cut',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'watch', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (_r, ctx) => {
          ctx.watchChunks((c, cx) => {
            if (c?.choices[0]?.delta.content === 'two ') {
              cx.endStream('content_filter', { error: refusal(), reason: 'guardrail' });
              return null;
            }
            return c;
          });
        });
      },
    });
    up.queue(stream);
    const got: ChatCompletionChunk[] = [];
    const err = await (async () => { for await (const c of await g.chat({ model: 'm', stream: true, messages: [user('x')] })) got.push(c); })().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'refused' });
    expect(got.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one ');
    expect(got.at(-1)!.choices[0].finish_reason).toBe('content_filter');
    await settle();
    expect(accounted[0]).toMatchObject({ outcome: 'rejected', outcomeReason: 'guardrail', finishReason: 'content_filter' });
    expect(accounted[0].attempts[0].error).toBeNull();
    await g.close();
  });

  it('from streamEnd: what was held to the end is withheld; only the end chunk and the error go out', async () => {
    const { g, accounted } = await gateway({
      name: 'whole',
      apply(gw) {
        gw.hooks.preRoute.tapPromise({ name: 'hold-all', stage: STAGE_INPUT_GUARD, marksChanges: true }, async (_r, ctx) => {
          ctx.collectResponse();
          const held: ChatCompletionChunk[] = [];
          // Hold everything; release it all at the upstream's end, for a check of the whole answer.
          ctx.watchChunks((c) => {
            if (c) { held.push(c); return null; }
            return held.splice(0);
          });
        });
        gw.hooks.streamEnd.tapPromise('judge', async (answer, ctx) => {
          if (answer.choices[0].message.content.includes('three')) ctx.endStream('content_filter', { error: refusal(), reason: 'guardrail' });
        });
      },
    });
    up.queue(stream);
    const got: ChatCompletionChunk[] = [];
    const err = await (async () => { for await (const c of await g.chat({ model: 'm', stream: true, messages: [user('x')] })) got.push(c); })().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'refused' });
    expect(got).toHaveLength(1);
    expect(got[0].choices[0]).toMatchObject({ delta: {}, finish_reason: 'content_filter' });
    await settle();
    expect(accounted[0].outcome).toBe('rejected');
    await g.close();
  });
});
