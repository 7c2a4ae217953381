import { describe, expect, it } from 'vitest';
import {
  applyMasks, MaskSession, Scanner, StreamGuard, StreamRestorer, StreamWindow, type ChatCompletionChunkLike,
} from './imports.js';
import { chunks, rulesOf } from './helpers.js';

const KEY = 'sk-proj-Abc123DEFghiJKLmnoPQRstuVWXyz0123456789';
const blockSecrets = rulesOf([{ name: 'secrets', type: 'secrets' }]).rules;
const maskPii = rulesOf([{ name: 'pii', type: 'pii' }]).rules;

function streamAll(window: StreamWindow, parts: string[]): { released: string; violation?: string } {
  let released = '';
  for (const p of parts) {
    const r = window.push(p);
    released += r.release;
    if (r.violation) return { released, violation: r.violation.rule };
  }
  const r = window.end();
  return { released: released + r.release, violation: r.violation?.rule };
}

describe('stream window', () => {
  it('catches a secret split across chunks at every split point, releasing nothing of it', () => {
    const text = `Sure! Your key is ${KEY} and that is all.`;
    const start = text.indexOf(KEY);
    for (let cut = 1; cut < text.length; cut++) {
      const { released, violation } = streamAll(new StreamWindow(blockSecrets), [text.slice(0, cut), text.slice(cut)]);
      expect(violation, `cut at ${cut}`).toBe('openai_key');
      expect(released, `cut at ${cut}`).toBe(text.slice(0, start));
    }
  });

  it('catches it in one-character chunks and in chunks of every size up to 16', () => {
    const text = `token: ${KEY}`;
    for (let size = 1; size <= 16; size++) {
      const { released, violation } = streamAll(new StreamWindow(blockSecrets), chunks(text, size));
      expect(violation).toBe('openai_key');
      expect(released).toBe('token: ');
    }
  });

  it('stops at a private key BEGIN line, before any of it is sent', () => {
    const text = 'Here it is:\n-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9\n';
    const { released, violation } = streamAll(new StreamWindow(blockSecrets), chunks(text, 3));
    expect(violation).toBe('private_key');
    expect(released).toBe('Here it is:\n');
  });

  it('masks PII in a stream exactly as in the whole text, whatever the chunking', () => {
    const text = 'Mail john.doe@example.com or call +1 415 555 2671; card 4111 1111 1111 1111, not 4111 1111 1111 1112.';
    const expected = applyMasks(text, new Scanner(maskPii).scan(text), new MaskSession());
    for (const size of [1, 2, 3, 5, 7, 11, 64]) {
      expect(streamAll(new StreamWindow(maskPii), chunks(text, size)).released).toBe(expected);
    }
  });

  it('releases prose almost at once: only a trailing run that could still become a match is held', () => {
    const w = new StreamWindow([...blockSecrets, ...maskPii]);
    expect(w.push('Hello there, the weather is fine today. ').release).toBe('Hello there, the weather is fine today');
    expect(w.held).toBeLessThanOrEqual(2);
    expect(w.push('And then').release).toBe('. And ');
    expect(w.end().release).toBe('then');
  });

  it('holds a keyword list by its longest keyword only', () => {
    const rules = rulesOf([{ name: 'k', type: 'keywords', options: { words: ['apollo'] } }]).rules;
    const w = new StreamWindow(rules);
    w.push('x '.repeat(50));
    expect(w.held).toBeLessThan(12);
    const r = w.push('apo');
    expect(r.violation).toBeUndefined();
    expect(w.push('llo!').violation?.rule).toBe('keyword');
  });

  it('does not flag a look-alike that only completes as a non-match', () => {
    // 16 digits passing Luhn so far, then a 17th digit makes it no card at all.
    const rules = rulesOf([{ name: 'pii', type: 'pii', options: { entities: { credit_card: 'block' } } }]).rules;
    const { released, violation } = streamAll(new StreamWindow(rules), ['order 4111111111111111', '2 shipped']);
    expect(violation).toBeUndefined();
    expect(released).toBe('order 41111111111111112 shipped');
  });
});

describe('restoring placeholders', () => {
  it('round-trips masked values through a session', () => {
    const s = new MaskSession();
    const a = s.placeholder('email', 'a@b.io');
    expect(s.placeholder('email', 'a@b.io')).toBe(a);
    expect(s.placeholder('email', 'c@d.io')).toBe('[EMAIL_2]');
    expect(s.restore(`to ${a} and [EMAIL_2], not [EMAIL_9]`)).toBe('to a@b.io and c@d.io, not [EMAIL_9]');
  });

  it('restores a placeholder split across stream chunks', () => {
    const s = new MaskSession();
    s.placeholder('credit_card', '4111 1111 1111 1111');
    const text = 'Charged [CREDIT_CARD_1] today [x] done.';
    for (let size = 1; size <= text.length; size++) {
      const r = new StreamRestorer(s);
      const out = chunks(text, size).map((c) => r.push(c)).join('') + r.end();
      expect(out).toBe('Charged 4111 1111 1111 1111 today [x] done.');
    }
  });
});

describe('StreamGuard over chunks', () => {
  const chunk = (content: string, index = 0): ChatCompletionChunkLike => ({
    id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index, delta: { content }, finish_reason: null }],
  });

  it('restores input placeholders, then blocks an output secret, sending only the text before it', () => {
    const session = new MaskSession();
    session.placeholder('email', 'jane@example.com');
    const { guardrails } = rulesOf([{ name: 'secrets', type: 'secrets', mode: 'post_call' }]);
    const guard = new StreamGuard(guardrails, session);
    const sent: string[] = [];
    let blocked;
    for (const piece of chunks(`Write to [EMAIL_1]. Key: ${KEY} end`, 4)) {
      const r = guard.push(chunk(piece) as never);
      sent.push(r.chunk.choices[0].delta.content ?? '');
      if (r.block) {
        blocked = r.block;
        break;
      }
    }
    expect(blocked).toMatchObject({ guardrail: 'secrets', rule: 'openai_key' });
    expect(sent.join('')).toBe('Write to jane@example.com. Key: ');
  });

  it('checks streamed tool-call arguments too', () => {
    const { guardrails } = rulesOf([{ name: 'secrets', type: 'secrets', mode: 'post_call' }]);
    const guard = new StreamGuard(guardrails);
    const args = JSON.stringify({ token: 'AKIAIOSFODNN7EXAMPLE' });
    let sent = '';
    let block;
    for (const piece of chunks(args, 5)) {
      const c = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }] };
      const r = guard.push(c as never);
      sent += r.chunk.choices[0].delta.tool_calls?.[0].function?.arguments ?? '';
      if ((block = r.block)) break;
    }
    expect(block?.rule).toBe('aws_access_key');
    expect(sent).toBe('{"token":"');
  });

  it('keeps streamed tool-call JSON valid when it masks a value right after an escape', () => {
    const { guardrails } = rulesOf([{ name: 'pii', type: 'pii', mode: 'post_call' }]);
    const guard = new StreamGuard(guardrails);
    const args = JSON.stringify({ text: 'write to\njane@example.com' });
    let sent = '';
    for (const piece of chunks(args, 3)) {
      const c = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }] };
      sent += guard.push(c as never).chunk.choices[0].delta.tool_calls?.[0].function?.arguments ?? '';
    }
    sent += guard.flush().toolArguments.get('0:0');
    expect(JSON.parse(sent)).toEqual({ text: 'write to\n[EMAIL_1]' });
  });

  it('masks output per choice and flushes what it held at the end', () => {
    const { guardrails } = rulesOf([{ name: 'pii', type: 'pii', mode: 'post_call' }]);
    const guard = new StreamGuard(guardrails);
    let a = '';
    let b = '';
    for (const piece of chunks('mail x@example.com', 3)) {
      a += guard.push(chunk(piece, 0) as never).chunk.choices[0].delta.content;
      b += guard.push(chunk(piece.toUpperCase(), 1) as never).chunk.choices[0].delta.content;
    }
    const rest = guard.flush();
    expect(a + rest.content.get(0)).toBe('mail [EMAIL_1]');
    expect(b + rest.content.get(1)).toBe('MAIL [EMAIL_2]');
  });
});
