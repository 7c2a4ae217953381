/**
 * Deterministic answers for the Anthropic mock: the Message body and, for streams, the exact event
 * sequence api.anthropic.com sends (message_start, per block content_block_start / _delta / _stop,
 * ping, message_delta with stop_reason and usage, message_stop).
 */
import { createHash } from 'node:crypto';
import type { Validated } from './anthropic-validate.js';
import { tokensOf } from './openai-reply.js';

function hash(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

function blockText(b: any): string {
  switch (b?.type) {
    case 'text':
      return b.text;
    case 'tool_use':
      return b.name + JSON.stringify(b.input);
    case 'tool_result':
      return typeof b.content === 'string' ? b.content : Array.isArray(b.content) ? b.content.map(blockText).join('') : '';
    case 'thinking':
      return b.thinking;
    default:
      return '';
  }
}

/** Text the model "reads", in cache-prefix order (tools, system, messages), split at cache breakpoints. */
function promptSegments(body: Record<string, any>, v: Validated): Array<{ text: string; breakpoint: boolean }> {
  const out: Array<{ text: string; breakpoint: boolean }> = [];
  for (const t of body.tools ?? []) out.push({ text: JSON.stringify(t), breakpoint: !!t.cache_control });
  if (typeof body.system === 'string') out.push({ text: body.system, breakpoint: false });
  else for (const b of body.system ?? []) out.push({ text: b.text, breakpoint: !!b.cache_control });
  for (const t of v.turns) for (const b of t.content) out.push({ text: blockText(b), breakpoint: !!b.cache_control });
  // Top-level cache_control caches up to the last block.
  if (body.cache_control && out.length) out[out.length - 1].breakpoint = true;
  return out;
}

export function countInputTokens(body: Record<string, any>, v: Validated): number {
  return tokensOf(promptSegments(body, v).map((s) => s.text).join(''));
}

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  service_tier: 'standard';
}

/** Input usage with prompt caching: the prefix up to the last breakpoint is written once, then read. */
function inputUsage(body: Record<string, any>, v: Validated, cache: Set<string>): Omit<Usage, 'output_tokens' | 'service_tier'> {
  const segs = promptSegments(body, v);
  const total = tokensOf(segs.map((s) => s.text).join(''));
  let last = -1;
  segs.forEach((s, i) => { if (s.breakpoint) last = i; });
  if (last === -1) return { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const prefix = segs.slice(0, last + 1).map((s) => s.text).join('');
  const cached = tokensOf(prefix);
  const key = `${body.model}\n${prefix}`;
  const hit = cache.has(key);
  cache.add(key);
  return { input_tokens: Math.max(0, total - cached), cache_creation_input_tokens: hit ? 0 : cached, cache_read_input_tokens: hit ? cached : 0 };
}

/** A value for each schema property, so a forced JSON tool answers something schema-shaped. */
function sample(schema: any, text: string): unknown {
  switch (schema?.type) {
    case 'string':
      return Array.isArray(schema.enum) ? schema.enum[0] : text;
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items, text)];
    case 'object':
    default: {
      const props = schema?.properties && typeof schema.properties === 'object' ? schema.properties : null;
      if (!props || !Object.keys(props).length) return { echo: text };
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, sample(s, text)]));
    }
  }
}

export interface MessageBody {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: any[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: Usage;
}

export interface ReplyContext {
  seq: number;
  replyText?: string;
  /** anthropic-beta includes interleaved thinking: think again after tool results. */
  interleaved: boolean;
  /** Record a signature / redacted payload this mock hands out. */
  issue(token: string): void;
  cache: Set<string>;
}

export function planMessage(body: Record<string, any>, v: Validated, rc: ReplyContext): MessageBody {
  const lastTurn = v.turns[v.turns.length - 1];
  const userTurn = lastTurn.role === 'user' ? lastTurn : v.turns[v.turns.length - 2];
  const results = userTurn?.content.filter((b) => b.type === 'tool_result') ?? [];
  const userText = (userTurn?.content ?? []).filter((b) => b.type === 'text').map((b) => b.text).join('\n');
  const content: any[] = [];
  let stop = 'end_turn';
  let stopSequence: string | null = null;

  if (v.thinking && (!results.length || rc.interleaved)) {
    const thinking = `Let me think about "${userText || 'the tool results'}".`;
    const signature = `EqMock${hash(`${rc.seq}|${thinking}`, 40)}==`;
    rc.issue(signature);
    content.push({ type: 'thinking', thinking, signature });
    if (userText.includes('redact')) {
      const data = `EmRedacted${hash(`r${rc.seq}`, 40)}`;
      rc.issue(data);
      content.push({ type: 'redacted_thinking', data });
    }
  }

  const tools: any[] = body.tools ?? [];
  const tc = body.tool_choice;
  const forced = tc?.type === 'any' || tc?.type === 'tool';
  const wantsTool = tools.length > 0 && tc?.type !== 'none' && (forced || (!results.length && userText.includes('call tool')));
  if (userText.includes('refuse me')) {
    stop = 'refusal';
  } else if (wantsTool) {
    const first = tc?.type === 'tool' ? tools.find((t) => t.name === tc.name) : tools[0];
    const chosen = [first];
    if (!forced && userText.includes('call tools') && tools.length > 1 && !tc?.disable_parallel_tool_use) chosen.push(tools[1]);
    // Forced tool use prefills the turn, so the model writes no text before the call.
    if (!forced) content.push({ type: 'text', text: `I'll call ${chosen.map((t) => t.name).join(' and ')}.` });
    chosen.forEach((t, k) => {
      content.push({ type: 'tool_use', id: `toolu_${hash(`${rc.seq}|${k}|${t.name}`, 24)}`, name: t.name, input: sample(t.input_schema, userText) });
    });
    stop = 'tool_use';
  } else {
    let text = rc.replyText ?? (results.length ? `tool said: ${results.map(blockText).join(' | ')}` : `echo: ${userText}`);
    for (const s of body.stop_sequences ?? []) {
      const at = text.indexOf(s);
      if (at !== -1) {
        text = text.slice(0, at);
        stop = 'stop_sequence';
        stopSequence = s;
        break;
      }
    }
    if (tokensOf(text) > body.max_tokens) {
      text = text.slice(0, body.max_tokens * 4);
      stop = 'max_tokens';
      stopSequence = null;
    }
    if (text) content.push({ type: 'text', text });
  }

  const output = tokensOf(content.map(blockText).join(''));
  return {
    id: `msg_mock${hash(`msg${rc.seq}`, 20)}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stop,
    stop_sequence: stopSequence,
    usage: { ...inputUsage(body, v, rc.cache), output_tokens: output, service_tier: 'standard' },
  };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The SSE event sequence for a message, as the real API streams it. */
export function messageEvents(m: MessageBody): StreamEvent[] {
  const ev = (event: string, data: Record<string, unknown>): StreamEvent => ({ event, data: { type: event, ...data } });
  const { output_tokens: _o, ...startUsage } = m.usage;
  const out: StreamEvent[] = [
    ev('message_start', { message: { ...m, content: [], stop_reason: null, stop_sequence: null, usage: { ...startUsage, output_tokens: 1 } } }),
  ];
  m.content.forEach((b, index) => {
    const start = (content_block: Record<string, unknown>): void => {
      out.push(ev('content_block_start', { index, content_block }));
      // The API sends a ping right after the first block starts.
      if (index === 0) out.push(ev('ping', {}));
    };
    const delta = (d: Record<string, unknown>): void => { out.push(ev('content_block_delta', { index, delta: d })); };
    switch (b.type) {
      case 'text':
        start({ type: 'text', text: '' });
        for (const p of pieces(b.text, 12)) delta({ type: 'text_delta', text: p });
        break;
      case 'thinking':
        start({ type: 'thinking', thinking: '', signature: '' });
        for (const p of pieces(b.thinking, 16)) delta({ type: 'thinking_delta', thinking: p });
        delta({ type: 'signature_delta', signature: b.signature });
        break;
      case 'redacted_thinking':
        start({ type: 'redacted_thinking', data: b.data });
        break;
      case 'tool_use': {
        start({ type: 'tool_use', id: b.id, name: b.name, input: {} });
        const json = JSON.stringify(b.input);
        delta({ type: 'input_json_delta', partial_json: '' });
        for (const p of pieces(json, Math.ceil(json.length / 3))) delta({ type: 'input_json_delta', partial_json: p });
        break;
      }
    }
    out.push(ev('content_block_stop', { index }));
  });
  if (!m.content.length) out.push(ev('ping', {}));
  out.push(ev('message_delta', { delta: { stop_reason: m.stop_reason, stop_sequence: m.stop_sequence }, usage: { output_tokens: m.usage.output_tokens } }));
  out.push(ev('message_stop', {}));
  return out;
}
