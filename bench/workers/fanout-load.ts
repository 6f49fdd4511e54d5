// Load generator (its own process) for the fanout scenario: many graphql-ws connections, each
// subscribed to one profile (profiles × perProfile), then rounds of one update per profile
// through POST /v1/batch. Reports the latency from an update to its LAST subscriber.
import { DeliveryTracker } from '../support/delivery.ts';
import { profileId, type EventPlan } from '../support/events.ts';
import { summarize } from '../support/stats.ts';
import { openSubscriptions, type SubscriptionTarget } from '../support/subscriptions.ts';
import {
  createUpdateSender,
  type DeliveryReport,
  MAX_EVENTS_PER_REQUEST,
  proveSubscriptionsLive,
  waitUntil,
} from '../support/updates.ts';
import { reportFailure, workerChannel } from '../support/worker-side.ts';

export interface FanoutLoadSettings extends SubscriptionTarget {
  plan: EventPlan;
  perProfile: number;
  rounds: number;
  /** A round's update requests are spread evenly over this long, ms. */
  roundSpreadMs: number;
  /** Pause between rounds, ms. */
  pauseMs: number;
  /**
   * Events every profile held before the plan's first (a seeded history): a subscriber's
   * eventCount minus these is the plan's count the tracker follows.
   */
  priorEvents: number;
}

export interface FanoutLoadResult extends DeliveryReport {
  connections: number;
  /** Connections still open after the last round. */
  openAtEnd: number;
  updates: number;
}

/** The load generator's messages to the benchmark. */
export type FanoutMessage =
  { type: 'held'; open: number } | { type: 'result'; result: FanoutLoadResult };

const READY_TIMEOUT_MS = 180_000;
const ROUND_TIMEOUT_MS = 60_000;

const channel = workerChannel<FanoutLoadSettings>();
try {
  const settings = await channel.settings;
  const { plan, perProfile } = settings;
  const connections = plan.profiles * perProfile;
  // Connection c watches profile c mod P as that profile's subscriber number ⌊c / P⌋.
  const profileOf = (connection: number) => profileId(plan, connection % plan.profiles);
  const tracker = new DeliveryTracker(perProfile);
  const subscriptions = await openSubscriptions({
    wsUrl: settings.wsUrl,
    connectionParams: settings.connectionParams,
    profiles: Array.from({ length: connections }, (_, connection) => profileOf(connection)),
    connectConcurrency: 100,
    onCount: (connection, count) =>
      tracker.received(
        profileOf(connection),
        Math.floor(connection / plan.profiles),
        count - settings.priorEvents,
        performance.now(),
      ),
  });
  const sender = createUpdateSender({
    url: `${settings.baseUrl}/v1/batch`,
    headers: settings.ingestHeaders,
    plan,
    tracker,
    sockets: 4,
  });
  await proveSubscriptionsLive(sender, tracker, subscriptions.problems, READY_TIMEOUT_MS);
  channel.send({ type: 'held', open: subscriptions.open() });
  await channel.next('measure');

  const requestsPerRound = Math.ceil(plan.profiles / MAX_EVENTS_PER_REQUEST);
  for (let round = 0; round < settings.rounds; round++) {
    await sender.sendRound(true, settings.roundSpreadMs / requestsPerRound);
    await waitUntil(() => tracker.pending() === 0, ROUND_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, settings.pauseMs));
  }
  const stats = sender.stats();
  const result: FanoutLoadResult = {
    connections,
    openAtEnd: subscriptions.open(),
    updates: plan.profiles * settings.rounds,
    missing: tracker.pending(),
    latency: summarize(tracker.latencies()),
    requests: stats.requests,
    failedRequests: stats.failures,
    ...(stats.firstFailure ? { firstFailure: stats.firstFailure } : {}),
    problems: subscriptions.problems(),
  };
  sender.close();
  channel.send({ type: 'result', result }, () => process.exit(0));
} catch (error) {
  reportFailure(channel, error);
}
