import { BadRequestError, type ContentPart, type FileContentPart } from '@tollgate/core';
import type { CachePoint, ContentBlock, DocumentFormat, ImageFormat } from './types.js';

/** OpenAI/Anthropic-style `cache_control` -> a Converse cachePoint placed after the block it marks. */
export function cachePointOf(cache: { type?: string; ttl?: string } | undefined | null): { cachePoint: CachePoint } | null {
  if (!cache) return null;
  return { cachePoint: cache.ttl === '1h' ? { type: 'default', ttl: '1h' } : { type: 'default' } };
}

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };
const DOC_FORMATS: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/markdown': 'md',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};
const EXT_FORMATS: Readonly<Record<string, ImageFormat | DocumentFormat>> = {
  png: 'png', jpg: 'jpeg', jpeg: 'jpeg', gif: 'gif', webp: 'webp',
  pdf: 'pdf', txt: 'txt', csv: 'csv', html: 'html', md: 'md', doc: 'doc', docx: 'docx', xls: 'xls', xlsx: 'xlsx',
};
const IMAGE_SET = new Set<string>(Object.values(IMAGE_FORMATS));

/** `data:<type>[;base64],<payload>` -> media type and base64, without a regex over a possibly huge payload. */
function parseDataUrl(url: string): { mediaType: string; base64: string } | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma === -1) return null;
  const meta = url.slice(5, comma).split(';');
  const payload = url.slice(comma + 1);
  return {
    mediaType: (meta[0] || 'text/plain').toLowerCase(),
    base64: meta.includes('base64') ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64'),
  };
}

/** Converse document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
function documentName(filename: string | undefined, n: number): string {
  const stem = (filename ?? '').replace(/\.[^.]*$/, '').replace(/[^a-zA-Z0-9\s\-()[\]]/g, '-').replace(/\s+/g, ' ').trim();
  return stem || `document ${n}`;
}

function unsupported(where: string, what: string): BadRequestError {
  return new BadRequestError(`${where}: Bedrock does not support ${what}.`, { param: where, code: 'unsupported_content' });
}

/**
 * A data: URL or an s3:// URI -> an image or document block. Bedrock takes bytes or S3 locations only,
 * so a remote http(s) URL is refused rather than fetched by the gateway.
 */
function mediaBlock(url: string, filename: string | undefined, n: number, where: string): ContentBlock {
  const data = parseDataUrl(url);
  if (data) {
    const image = IMAGE_FORMATS[data.mediaType];
    if (image) return { image: { format: image, source: { bytes: data.base64 } } };
    const doc = DOC_FORMATS[data.mediaType];
    if (doc) return { document: { format: doc, name: documentName(filename, n), source: { bytes: data.base64 } } };
    throw unsupported(where, `files of type ${data.mediaType}`);
  }
  if (url.startsWith('s3://')) {
    const ext = url.slice(url.lastIndexOf('.') + 1).toLowerCase();
    const format = EXT_FORMATS[ext];
    if (!format) throw unsupported(where, `an S3 object without a known extension (${Object.keys(EXT_FORMATS).join(', ')})`);
    if (IMAGE_SET.has(format)) return { image: { format: format as ImageFormat, source: { s3Location: { uri: url } } } };
    return { document: { format: format as DocumentFormat, name: documentName(filename ?? url.slice(url.lastIndexOf('/') + 1), n), source: { s3Location: { uri: url } } } };
  }
  if (/^https?:\/\//i.test(url)) {
    throw new BadRequestError(`${where}: Bedrock accepts images and documents as bytes (a data: URL) or an s3:// URI, not a remote URL. Send the file as a base64 data: URL.`, { param: where, code: 'unsupported_content' });
  }
  throw new BadRequestError(`${where}: expected a data: URL or an s3:// URI.`, { param: where });
}

function fileBlock(part: FileContentPart, n: number, where: string): ContentBlock {
  const f = part.file ?? {};
  if (typeof f.file_data === 'string' && f.file_data) return mediaBlock(f.file_data, f.filename, n, where);
  // LiteLLM lets file_id carry an s3:// URI for Bedrock.
  if (typeof f.file_id === 'string' && f.file_id.startsWith('s3://')) return mediaBlock(f.file_id, f.filename, n, where);
  throw unsupported(where, 'file parts by file_id (send file_data as a data: URL, or an s3:// URI)');
}

/** Text blocks (system prompts, tool results): blank text is skipped (Converse refuses blank text blocks). */
export function textBlocks(content: string | Array<{ type: string; text?: string; cache_control?: { ttl?: string } }> | null | undefined, where: string): ContentBlock[] {
  if (content == null) return [];
  if (typeof content === 'string') return content.trim() ? [{ text: content }] : [];
  const out: ContentBlock[] = [];
  content.forEach((p, i) => {
    if (p.type !== 'text') throw unsupported(`${where}[${i}]`, `content parts of type '${p.type}' here`);
    if (p.text && p.text.trim()) out.push({ text: p.text });
    const cp = cachePointOf(p.cache_control);
    if (cp && out.length) out.push(cp);
  });
  return out;
}

/** A user message's content: text, images and documents in order; a part's cache_control adds a cachePoint after it. */
export function userBlocks(content: string | ContentPart[] | null | undefined, where: string, docCounter: { n: number }): ContentBlock[] {
  if (content == null) return [];
  if (typeof content === 'string') return content.trim() ? [{ text: content }] : [];
  const out: ContentBlock[] = [];
  content.forEach((p, i) => {
    const at = `${where}[${i}]`;
    switch (p.type) {
      case 'text':
        if (p.text && p.text.trim()) out.push({ text: p.text });
        break;
      case 'image_url':
        out.push(mediaBlock(p.image_url?.url ?? '', undefined, ++docCounter.n, at));
        break;
      case 'file':
        out.push(fileBlock(p, ++docCounter.n, at));
        break;
      case 'refusal':
        if (p.refusal) out.push({ text: p.refusal });
        break;
      default:
        throw unsupported(at, `content parts of type '${(p as { type: string }).type}'`);
    }
    const cp = cachePointOf((p as { cache_control?: { ttl?: string } }).cache_control);
    if (cp && out.length) out.push(cp);
  });
  return out;
}
