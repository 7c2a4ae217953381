import { BadRequestError } from '@tollgate/core';

/** decodeURIComponent for a path segment a client sent: bad percent-encoding (`%ZZ`) is a 400, not a URIError. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError(`The path segment "${segment.slice(0, 200)}" is not valid percent-encoding.`, { code: 'invalid_path' });
  }
}
