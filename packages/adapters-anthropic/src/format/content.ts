import { BadRequestError, type ContentPart, type ImageContentPart, type FileContentPart } from '@tollgate/core';
import type { CacheControl, ContentBlock, DocumentBlock, ImageBlock, TextBlock } from './types.js';

/** `cache_control` copied only when present, so blocks keep a stable, minimal shape. */
export function withCache<T extends object>(block: T, cache: CacheControl | undefined): T {
  return cache ? { ...block, cache_control: cache } : block;
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
