// The fixed data the in-memory subgraphs (memory-subgraphs.ts) answer from: generated once at
// start from a profile count, the same in every process, so the benchmark knows which profile
// ids exist without asking.

/** Activities stored per profile; the query asks for five. */
const ACTIVITIES_PER_PROFILE = 10;
const BASE_TIME_MS = Date.parse('2026-11-01T00:00:00.000Z');
const EVENT_NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

export function memoryProfileId(index: number): string {
  return `memory-p${index}`;
}

export interface MemoryActivity {
  id: string;
  profileId: string;
  type: string;
  name: string;
  timestamp: string;
  receivedAt: string;
  properties: Record<string, unknown>;
  traits: null;
  context: Record<string, unknown>;
}

export interface MemoryProfile {
  id: string;
  userId: string;
  anonymousIds: string[];
  identifiers: string[];
  mergedFrom: string[];
  traits: Record<string, unknown>;
  device: { type: 'DESKTOP'; os: string; browser: string };
  firstSeenAt: string;
  lastSeenAt: string;
  eventCount: number;
  pageViews: number;
  eventCounts: Array<{ name: string; count: number }>;
  sessionCount: number;
  segments: string[];
  version: number;
  updatedAt: string;
}

export interface MemorySegment {
  name: string;
  description: string;
}

export interface MemoryData {
  profiles: Map<string, MemoryProfile>;
  /** Activities by profile identifier, newest first. */
  activities: Map<string, MemoryActivity[]>;
  segments: MemorySegment[];
}

const at = (ms: number) => new Date(BASE_TIME_MS + ms).toISOString();

function activitiesOf(profileId: string, index: number): MemoryActivity[] {
  return Array.from({ length: ACTIVITIES_PER_PROFILE }, (_, n) => {
    const time = at(index * 1_000 + (ACTIVITIES_PER_PROFILE - n));
    return {
      id: `${profileId}-m${n}`,
      profileId,
      type: 'track',
      name: EVENT_NAMES[n % EVENT_NAMES.length] ?? 'Product Viewed',
      timestamp: time,
      receivedAt: time,
      properties: { sku: `sku-${n}`, price: 10 + n },
      traits: null,
      context: { locale: 'en-US' },
    };
  });
}

function profileOf(id: string, index: number): MemoryProfile {
  const anonymousId = `${id}-anon`;
  return {
    id,
    userId: id,
    anonymousIds: [anonymousId],
    identifiers: [anonymousId, id].sort(),
    mergedFrom: [],
    traits: { plan: index % 2 === 0 ? 'pro' : 'free', email: `${id}@example.com` },
    device: { type: 'DESKTOP', os: 'Mac OS', browser: 'Safari' },
    firstSeenAt: at(index * 1_000),
    lastSeenAt: at(index * 1_000 + ACTIVITIES_PER_PROFILE),
    eventCount: ACTIVITIES_PER_PROFILE,
    pageViews: 0,
    eventCounts: EVENT_NAMES.map((name) => ({ name, count: 2 })),
    sessionCount: 1,
    segments: index % 2 === 0 ? ['pro-users'] : [],
    version: ACTIVITIES_PER_PROFILE,
    updatedAt: at(index * 1_000 + ACTIVITIES_PER_PROFILE),
  };
}

export function memoryData(profileCount: number): MemoryData {
  const profiles = new Map<string, MemoryProfile>();
  const activities = new Map<string, MemoryActivity[]>();
  for (let index = 0; index < profileCount; index++) {
    const id = memoryProfileId(index);
    profiles.set(id, profileOf(id, index));
    activities.set(id, activitiesOf(id, index));
  }
  return {
    profiles,
    activities,
    segments: [
      { name: 'pro-users', description: 'Profiles on the pro plan' },
      { name: 'active-buyers', description: 'Profiles that completed an order this month' },
      { name: 'mobile', description: 'Profiles last seen on a phone' },
    ],
  };
}
