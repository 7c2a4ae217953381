import { BadRequestError, type UserContentPart } from '@tollgate/core';
import type { GeminiPart } from './types.js';

/** File extensions Gemini accepts, to name the MIME type of a URL it fetches itself. */
const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  gif: 'image/gif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/md',
  html: 'text/html',
  csv: 'text/csv',
  xml: 'text/xml',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  aiff: 'audio/aiff',
  mp4: 'video/mp4',
  mpeg: 'video/mpeg',
  mpg: 'video/mpeg',
  mov: 'video/mov',
  avi: 'video/avi',
  flv: 'video/x-flv',
  webm: 'video/webm',
  wmv: 'video/wmv',
  '3gp': 'video/3gpp',
};

/** The MIME type for a URL or file name, from its extension (query and fragment ignored). */
export function guessMimeType(url: string): string | undefined {
  const path = url.split(/[?#]/)[0];
  const dot = path.lastIndexOf('.');
  if (dot === -1 || dot < path.lastIndexOf('/')) return undefined;
  return MIME_BY_EXT[path.slice(dot + 1).toLowerCase()];
}

const FILES_HOST = 'https://generativelanguage.googleapis.com/v1beta';

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,(.*)$/s;

/** `data:<mime>;base64,<data>` -> inlineData; anything else -> fileData (https, gs://, Files API URIs). */
export function partFromUrl(url: string, mimeType: string | undefined, where: string): GeminiPart {
  if (url.startsWith('data:')) {
    const m = DATA_URL.exec(url);
    if (!m) throw new BadRequestError(`${where}: only base64 data URLs are supported.`, { param: 'messages' });
    const mime = mimeType ?? m[1];
    if (!mime) throw new BadRequestError(`${where}: the data URL has no MIME type.`, { param: 'messages' });
    return { inlineData: { mimeType: mime, data: m[3] } };
  }
  if (!/^(https?:\/\/|gs:\/\/)/i.test(url)) {
    throw new BadRequestError(`${where}: expected a data URL, an https:// URL or a gs:// URI.`, { param: 'messages' });
  }
  const mime = mimeType ?? guessMimeType(url);
  // Without a known type the field is left out (AI Studio then detects it; YouTube links need none).
  return { fileData: mime ? { mimeType: mime, fileUri: url } : { fileUri: url } };
}

/** One user content part -> one Gemini part (null for an empty text, which Gemini rejects). */
export function userPart(p: UserContentPart, where: string): GeminiPart | null {
  switch (p.type) {
    case 'text':
      return p.text ? { text: p.text } : null;
    case 'image_url': {
      // `format` is not OpenAI's, but LiteLLM accepts it to name the type of an extension-less URL.
      const img = p.image_url as { url: string; format?: string };
      return partFromUrl(img.url, img.format, where);
    }
    case 'input_audio':
      return { inlineData: { mimeType: p.input_audio.format === 'mp3' ? 'audio/mp3' : 'audio/wav', data: p.input_audio.data } };
    case 'file': {
      const f = p.file;
      const mime = f.format ?? (f.filename ? guessMimeType(f.filename) : undefined);
      if (f.file_data) {
        if (f.file_data.startsWith('data:')) return partFromUrl(f.file_data, f.format, where);
        if (!mime) throw new BadRequestError(`${where}: name the file's type with file.format or a filename with an extension.`, { param: 'messages' });
        return { inlineData: { mimeType: mime, data: f.file_data } };
      }
      // A bare Files API name ("files/abc") is a URI under the AI Studio host.
      if (f.file_id) return partFromUrl(f.file_id.startsWith('files/') ? `${FILES_HOST}/${f.file_id}` : f.file_id, mime, where);
      throw new BadRequestError(`${where}: a file part needs file_data or file_id.`, { param: 'messages' });
    }
    default:
      throw new BadRequestError(`${where}: content part type '${(p as { type: string }).type}' is not supported by Gemini.`, { param: 'messages' });
  }
}
