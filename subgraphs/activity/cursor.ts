import { decodeOpaqueCursor, encodeOpaqueCursor } from '../../lib/graphql/opaque-cursor.ts';

/** Position of an activity in newest-first order: (timestamp, messageId) is unique and stable. */
export interface ActivityCursor {
  timestamp: string;
  messageId: string;
}

export function encodeCursor(cursor: ActivityCursor): string {
  return encodeOpaqueCursor([cursor.timestamp, cursor.messageId]);
}

/** Decodes a cursor a client sent back; undefined when it is not one of ours. */
export function decodeCursor(value: string): ActivityCursor | undefined {
  return decodeOpaqueCursor(value, ([timestamp, messageId, ...rest]) =>
    typeof timestamp === 'string' && typeof messageId === 'string' && rest.length === 0
      ? { timestamp, messageId }
      : undefined,
  );
}
