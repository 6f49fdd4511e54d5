import { decodeOpaqueCursor, encodeOpaqueCursor } from '../../lib/graphql/opaque-cursor.ts';

/**
 * Position of an activity in newest-first order. The archive stores a messageId once per
 * profile, so (timestamp, messageId, profileId) is unique and stable; two profiles may share a
 * messageId at one instant.
 */
export interface ActivityCursor {
  timestamp: string;
  messageId: string;
  profileId: string;
}

export function encodeCursor(cursor: ActivityCursor): string {
  return encodeOpaqueCursor([cursor.timestamp, cursor.messageId, cursor.profileId]);
}

/** Decodes a cursor a client sent back; undefined when it is not one of ours. */
export function decodeCursor(value: string): ActivityCursor | undefined {
  return decodeOpaqueCursor(value, ([timestamp, messageId, profileId, ...rest]) =>
    typeof timestamp === 'string' &&
    typeof messageId === 'string' &&
    typeof profileId === 'string' &&
    rest.length === 0
      ? { timestamp, messageId, profileId }
      : undefined,
  );
}
