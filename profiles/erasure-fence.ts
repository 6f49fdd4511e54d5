/**
 * A deletion fence (ADR 0005): where in the events topic a profile's erasure took effect. Each
 * partition's offset is the first one NOT erased, so an event of the profile is erased exactly
 * when its offset is below its partition's fence, whatever the clocks say. Written by
 * deleteProfile to Redis (schema/redis-keys.ts `erasureFence`) and PostgreSQL (`erasures`).
 */
export interface ErasureFence {
  /** A new id per deletion: a write that applied its events against another fence is refused. */
  id: string;
  /** Per partition of the events topic (as a string), the first offset not erased. */
  offsets: Record<string, number>;
}

/** The fence stored as JSON; undefined when absent or not a fence. */
export function parseFence(raw: string | null | undefined): ErasureFence | undefined {
  if (raw === null || raw === undefined) return undefined;
  const parsed = JSON.parse(raw) as Partial<ErasureFence>;
  if (typeof parsed.id !== 'string' || typeof parsed.offsets !== 'object' || !parsed.offsets)
    return undefined;
  return { id: parsed.id, offsets: parsed.offsets };
}

/** Whether the event at this position is one the deletion erased. */
export function isErased(fence: ErasureFence, partition: number, offset: number): boolean {
  return offset < (fence.offsets[String(partition)] ?? 0);
}

/**
 * Whether a stored profile (or snapshot) holds erased events: its watermark on some partition
 * is below the fence there. A profile built after the deletion only applied events at or above
 * the fence, so each of its watermarks is at or above it; one built before has every watermark
 * below it (deleteProfile raises the fence past the watermarks of the profile it erases).
 */
export function predatesFence(
  fence: ErasureFence,
  watermarks: Readonly<Record<string, number>>,
): boolean {
  return Object.entries(watermarks).some(([partition, watermark]) =>
    isErased(fence, Number(partition), watermark),
  );
}
