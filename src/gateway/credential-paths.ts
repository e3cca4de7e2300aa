/**
 * Paths whose segment after `/finish/` or `/advance-callbacks/` is a credential: the signed token
 * of a finish link or of an Advance callback URL. Whatever the method or the rest of the path, such
 * a path is shown (in an answer) or logged only with that segment masked, and without its query.
 */
const CREDENTIAL_SEGMENT = /\/(finish|advance-callbacks)\/[^/]*/gi;

export function pathWithoutCredentials(url: string, mask: string): string {
  return url
    .replace(/[?#].*$/s, '')
    .replace(CREDENTIAL_SEGMENT, (_segment, route: string) => `/${route}/${mask}`);
}
