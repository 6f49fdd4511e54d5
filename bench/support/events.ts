import type { ActivityEvent, IncomingEvent } from '../../schema/event.ts';

/**
 * A reproducible stream of synthetic events: event `index` is the same in every process, so a
 * baseline in another process can rebuild exactly the rows or batches PulseHub received.
 */
export interface EventPlan {
  /** Prefixes profile and message ids: a new run never touches an earlier run's profiles. */
  runId: string;
  /** Profiles the events are spread over, round robin. */
  profiles: number;
  /** Event time of event 0, ms since the epoch; event i happens i ms later. */
  baseTimeMs: number;
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
];
const TRACK_NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

export function profileId(plan: EventPlan, profile: number): string {
  return `${plan.runId}-p${profile}`;
}

/**
 * The client's view of event `index`: what a Segment SDK sends. The mix is 70% track, 20%
 * page and 10% identify, so the processor's track counts, page views and trait merges all run.
 */
export function incomingEvent(plan: EventPlan, index: number): IncomingEvent {
  const common = {
    userId: profileId(plan, index % plan.profiles),
    messageId: `${plan.runId}-m${index}`,
    timestamp: new Date(plan.baseTimeMs + index).toISOString(),
    context: { userAgent: USER_AGENTS[index % USER_AGENTS.length], locale: 'en-US' },
  };
  const kind = index % 10;
  if (kind < 7)
    return {
      type: 'track',
      event: TRACK_NAMES[index % TRACK_NAMES.length] as string,
      properties: { sku: `sku-${index % 500}`, price: (index % 100) + 0.99, currency: 'EUR' },
      ...common,
    };
  if (kind < 9)
    return {
      type: 'page',
      name: `page-${index % 20}`,
      properties: { path: `/catalog/${index % 50}`, referrer: 'https://example.com/' },
      ...common,
    };
  return {
    type: 'identify',
    traits: { plan: index % 3 === 0 ? 'pro' : 'free', visits: index % 17 },
    ...common,
  };
}

/** Event `index` as it travels on Kafka after ingest accepted it. */
export function activityEvent(plan: EventPlan, index: number): ActivityEvent {
  const event = incomingEvent(plan, index);
  return {
    ...event,
    messageId: event.messageId as string,
    timestamp: event.timestamp as string,
    receivedAt: event.timestamp as string,
  };
}
