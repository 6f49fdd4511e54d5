/**
 * What the profile subgraph needs from the processor's change announcement on Redis pub/sub
 * (`{"id","version","changed",...,"segments":{"entered":[],"left":[]}}`). Parsing is lenient:
 * fields added to the message later are ignored, and a message without segment lists means
 * no segment changed.
 */
export interface ChangeNotice {
  id: string;
  version: number;
  entered: readonly string[];
  left: readonly string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** The notice in a pub/sub message; undefined for anything that is not one. */
export function parseChangeNotice(raw: string): ChangeNotice | undefined {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { id, version, segments } = message as Record<string, unknown>;
  if (typeof id !== 'string' || typeof version !== 'number' || !Number.isFinite(version))
    return undefined;
  const lists = typeof segments === 'object' && segments !== null ? segments : {};
  return {
    id,
    version,
    entered: strings((lists as Record<string, unknown>)['entered']),
    left: strings((lists as Record<string, unknown>)['left']),
  };
}
