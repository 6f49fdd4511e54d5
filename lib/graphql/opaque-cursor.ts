/**
 * Relay cursors as clients see them: opaque base64url text of a JSON array. Decoding checks
 * the shape with `read`, so a cursor from elsewhere (or a tampered one) yields undefined.
 */
export function encodeOpaqueCursor(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeOpaqueCursor<T>(
  value: string,
  read: (parts: readonly unknown[]) => T | undefined,
): T | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return Array.isArray(decoded) ? read(decoded) : undefined;
  } catch {
    // Not base64url JSON: not one of our cursors.
    return undefined;
  }
}
