import { createHash } from 'node:crypto';

/**
 * A short, fixed-size fingerprint of a messageId (72 bits of SHA-256, base64url): keeps the
 * window of remembered ids small whatever the clients' ids look like, with a collision chance
 * negligible among the last MESSAGE_ID_WINDOW events of one profile.
 */
export function messageIdHash(messageId: string): string {
  return createHash('sha256').update(messageId).digest('base64url').slice(0, 12);
}
