import type http from 'node:http';

/**
 * The Segment write key of a request: HTTP Basic auth with the key as the user name (what
 * every Segment SDK sends), or `writeKey` in the JSON body.
 */
export function writeKeyOf(req: http.IncomingMessage, body: unknown): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return separator === -1 ? decoded : decoded.slice(0, separator);
  }
  if (
    typeof body === 'object' &&
    body !== null &&
    'writeKey' in body &&
    typeof body.writeKey === 'string'
  )
    return body.writeKey;
  return undefined;
}
