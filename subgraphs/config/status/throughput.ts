/** A topic's event count at one moment. */
export interface CountAt {
  total: number;
  atMs: number;
}

/**
 * Events per second between two observations of a topic's total. No earlier observation, no
 * time between them, or a total that went down (the topic was recreated): no rate to tell, 0.
 */
export function perSecond(previous: CountAt | undefined, next: CountAt): number {
  if (previous === undefined) return 0;
  const seconds = (next.atMs - previous.atMs) / 1000;
  const added = next.total - previous.total;
  if (seconds <= 0 || added < 0) return 0;
  return added / seconds;
}
