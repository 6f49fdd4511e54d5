/** Position of an activity in newest-first order: (timestamp, messageId) is unique and stable. */
export interface ActivityCursor {
  timestamp: string;
  messageId: string;
}

export function encodeCursor(cursor: ActivityCursor): string {
  return Buffer.from(JSON.stringify([cursor.timestamp, cursor.messageId])).toString('base64url');
}

/** Decodes a cursor a client sent back; undefined when it is not one of ours. */
export function decodeCursor(value: string): ActivityCursor | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === 'string' &&
      typeof decoded[1] === 'string'
    ) {
      return { timestamp: decoded[0], messageId: decoded[1] };
    }
  } catch {
    // Not base64url JSON: falls through to "not a cursor".
  }
  return undefined;
}
