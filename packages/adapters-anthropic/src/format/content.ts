/**
 * Content blocks, both ways: canonical (OpenAI) parts -> Anthropic blocks for an upstream, an
 * Anthropic client's blocks -> canonical parts, and the block shapes answers share.
 */
import {
  BadRequestError,
  type ContentPart,
  type FileContentPart,
  type ImageContentPart,
  type ThinkingBlock,
  type ToolCall,
  type UserContentPart,
} from '@tollgate/core';
import { invalid, isObject, show, type Json } from './check.js';
import type { CacheControl, ContentBlock, DocumentBlock, ImageBlock, TextBlock, ToolUseBlock } from './types.js';

/** `cache_control` copied only when present, so blocks keep a stable, minimal shape. */
export function withCache<T extends object>(block: T, cache: CacheControl | undefined): T {
  return cache ? { ...block, cache_control: cache } : block;
}

/** A client block's `cache_control`, when it is an object. */
export function cacheControlOf(b: Json): CacheControl | undefined {
  return isObject(b.cache_control) ? (b.cache_control as CacheControl) : undefined;
}

/** What parseDataUrl reads back. */
function dataUrl(mediaType: string, base64: string): string {
  return `data:${mediaType};base64,${base64}`;
}

function unsupported(where: string, what: string): BadRequestError {
  return new BadRequestError(`${where}: Anthropic does not support ${what}.`, { param: where, code: 'unsupported_content' });
}

interface DataUrl {
  mediaType: string;
  base64: string;
}

/** `data:<type>[;base64],<payload>` without a regex over a possibly huge payload. */
export function parseDataUrl(url: string): DataUrl | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma === -1) return null;
  const meta = url.slice(5, comma).split(';');
  const mediaType = (meta[0] || 'text/plain').toLowerCase();
  const payload = url.slice(comma + 1);
  const base64 = meta.includes('base64') ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
  return { mediaType, base64 };
}

const HTTP = /^https?:\/\//i;

// ---------------------------------------------------------------------- canonical -> Anthropic

function mediaBlock(url: string, cache: CacheControl | undefined, where: string): ImageBlock | DocumentBlock {
  const data = parseDataUrl(url);
  if (data) {
    if (data.mediaType === 'application/pdf') {
      return withCache<DocumentBlock>({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.base64 } }, cache);
    }
    if (data.mediaType === 'text/plain') {
      const text = Buffer.from(data.base64, 'base64').toString('utf8');
      return withCache<DocumentBlock>({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: text } }, cache);
    }
    if (!data.mediaType.startsWith('image/')) throw unsupported(where, `files of type ${data.mediaType}`);
    return withCache<ImageBlock>({ type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.base64 } }, cache);
  }
  if (HTTP.test(url)) return withCache<ImageBlock>({ type: 'image', source: { type: 'url', url } }, cache);
  throw new BadRequestError(`${where}: expected a data: URL or an http(s) URL.`, { param: where });
}

function imageBlock(part: ImageContentPart, where: string): ImageBlock | DocumentBlock {
  return mediaBlock(part.image_url?.url ?? '', part.cache_control, where);
}

/** OpenAI `file` parts: a PDF or text data URL becomes a document block; an http(s) URL a URL document. */
function fileBlock(part: FileContentPart, where: string): ImageBlock | DocumentBlock {
  const f = part.file ?? {};
  if (typeof f.file_data === 'string' && f.file_data) {
    if (HTTP.test(f.file_data)) return withCache<DocumentBlock>({ type: 'document', source: { type: 'url', url: f.file_data } }, part.cache_control);
    return mediaBlock(f.file_data, part.cache_control, where);
  }
  throw unsupported(where, 'file parts by file_id (send file_data as a data: URL)');
}

/** Text blocks only: system prompts, tool results. Empty text is skipped (Anthropic rejects empty text blocks). */
export function textBlocks(content: string | Array<{ type: string; text?: string; cache_control?: CacheControl }> | null | undefined, where: string): TextBlock[] {
  if (content == null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const out: TextBlock[] = [];
  content.forEach((p, i) => {
    if (p.type !== 'text') throw unsupported(`${where}[${i}]`, `content parts of type '${p.type}' here`);
    if (p.text) out.push(withCache<TextBlock>({ type: 'text', text: p.text }, p.cache_control));
  });
  return out;
}

/** A user message's content: text, images (data/https URLs) and files (PDF, text) in order. */
export function userBlocks(content: string | ContentPart[] | null | undefined, where: string): ContentBlock[] {
  if (content == null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const out: ContentBlock[] = [];
  content.forEach((p, i) => {
    const at = `${where}[${i}]`;
    switch (p.type) {
      case 'text':
        if (p.text) out.push(withCache<TextBlock>({ type: 'text', text: p.text }, p.cache_control));
        break;
      case 'image_url':
        out.push(imageBlock(p, at));
        break;
      case 'file':
        out.push(fileBlock(p, at));
        break;
      case 'refusal':
        if (p.refusal) out.push({ type: 'text', text: p.refusal });
        break;
      default:
        throw unsupported(at, `content parts of type '${(p as { type: string }).type}'`);
    }
  });
  return out;
}

/** A tool call as a tool_use block, its arguments already parsed to `input`. */
export function toolUseOf(tc: ToolCall, input: unknown): ToolUseBlock {
  return { type: 'tool_use', id: tc.id, name: tc.function.name, input };
}

// ---------------------------------------------------------------------- Anthropic -> canonical

/** A tool_use block (an upstream's answer, a client's history) as a canonical tool call. */
export function toolCallOf(b: { id: string; name: string; input?: unknown }): ToolCall {
  return { id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } };
}

/**
 * Thinking blocks on a canonical message: kept whole in `thinking_blocks` (signatures included, so a
 * client can send them back), their text joined in `reasoning_content`.
 */
export function setThinking(m: { reasoning_content?: string | null; thinking_blocks?: ThinkingBlock[] }, blocks: ThinkingBlock[]): void {
  if (!blocks.length) return;
  const reasoning = blocks.filter((t) => t.type === 'thinking').map((t) => t.thinking ?? '').join('');
  if (reasoning) m.reasoning_content = reasoning;
  m.thinking_blocks = blocks;
}

/** The string fields a media source of this type needs, each checked before use. */
const SOURCE_FIELDS: Readonly<Record<string, readonly string[]>> = { base64: ['media_type', 'data'], url: ['url'], text: ['data'] };

/** A client's image or document block as a canonical part (the inverse of mediaBlock and fileBlock above). */
export function mediaPart(b: Json, p: string): UserContentPart {
  const s = b.source;
  if (!isObject(s)) throw invalid(`${p}.source: Field required`, `${p}.source`);
  for (const f of (typeof s.type === 'string' && Object.hasOwn(SOURCE_FIELDS, s.type) ? SOURCE_FIELDS[s.type] : [])) {
    if (typeof s[f] !== 'string') throw invalid(`${p}.source.${f}: Input should be a valid string`, `${p}.source.${f}`);
  }
  const cache = cacheControlOf(b);
  if (b.type === 'image') {
    if (s.type === 'base64') return withCache<UserContentPart>({ type: 'image_url', image_url: { url: dataUrl(s.media_type, s.data) } }, cache);
    if (s.type === 'url') return withCache<UserContentPart>({ type: 'image_url', image_url: { url: s.url } }, cache);
    throw invalid(`${p}.source.type: image sources of type '${show(s.type)}' are not supported by Tollgate`, `${p}.source.type`);
  }
  const filename = typeof b.title === 'string' ? { filename: b.title } : {};
  if (s.type === 'base64') return withCache<UserContentPart>({ type: 'file', file: { file_data: dataUrl(s.media_type, s.data), ...filename } }, cache);
  if (s.type === 'text') return withCache<UserContentPart>({ type: 'file', file: { file_data: dataUrl('text/plain', Buffer.from(s.data, 'utf8').toString('base64')), ...filename } }, cache);
  // A URL document travels as file_data; fileBlock turns it back into a URL source.
  if (s.type === 'url') return withCache<UserContentPart>({ type: 'file', file: { file_data: s.url, ...filename } }, cache);
  throw invalid(`${p}.source.type: document sources of type '${show(s.type)}' are not supported by Tollgate`, `${p}.source.type`);
}
