import { hash } from 'node:crypto';

/**
 * A short, fixed-size fingerprint of a messageId (72 bits of SHA-256, base64url): keeps the
 * window of remembered ids small whatever the clients' ids look like, with a collision chance
 * negligible among the last MESSAGE_ID_WINDOW events of one profile.
 */
export function messageIdHash(messageId: string): string {
  // The one-shot hash: no Hash object per event on the hot path.
  return hash('sha256', messageId, 'base64url').slice(0, 12);
}
