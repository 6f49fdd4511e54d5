import { createHash } from 'node:crypto';
import { MESSAGE_ID_WINDOW } from '../schema/profile.ts';

/**
 * A short, fixed-size fingerprint of a messageId (72 bits of SHA-256, base64url): keeps the
 * window of remembered ids small whatever the clients' ids look like, with a collision chance
 * negligible among one profile's last MESSAGE_ID_WINDOW events.
 */
export function messageIdHash(messageId: string): string {
  return createHash('sha256').update(messageId).digest('base64url').slice(0, 12);
}

/** The window with `hash` appended, the oldest dropped past MESSAGE_ID_WINDOW. */
export function rememberMessageId(window: readonly string[], hash: string): string[] {
  const next = [...window, hash];
  return next.length > MESSAGE_ID_WINDOW ? next.slice(next.length - MESSAGE_ID_WINDOW) : next;
}
