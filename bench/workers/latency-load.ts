// Load generator (its own process) for the latency scenario: one graphql-ws subscriber per
// profile through the gateway, and events at a fixed rate through POST /v1/batch (open loop:
// the schedule never waits for answers). Reports send-to-subscriber latency.
import { cpuUsed, readCpu, type CpuReading, type CpuUse } from '../support/cpu.ts';
import { DeliveryTracker } from '../support/delivery.ts';
import { profileId, type EventPlan } from '../support/events.ts';
import { runOpenLoop, type OpenLoopSettings } from '../support/load/open-loop.ts';
import { summarize } from '../support/stats.ts';
import { openSubscriptions, type SubscriptionTarget } from '../support/subscriptions.ts';
import {
  createUpdateSender,
  type DeliveryReport,
  MAX_EVENTS_PER_REQUEST,
  proveSubscriptionsLive,
  waitUntil,
} from '../support/updates.ts';
import { runAsWorker } from '../support/worker-side.ts';

export interface LatencyLoadSettings extends SubscriptionTarget, OpenLoopSettings {
  plan: EventPlan;
  /** How long to wait after the window for the last deliveries, ms. */
  drainMs: number;
  /**
   * Events every profile held before the plan's first (a seeded history): a subscriber's
   * eventCount minus these is the plan's count the tracker follows.
   */
  priorEvents: number;
  /** Processes whose CPU use over the measured window is reported, by name. */
  watchPids: Record<string, number>;
}

export interface LatencyLoadResult extends DeliveryReport {
  rate: number;
  /** Events sent inside the measured window. */
  sent: number;
  delivered: number;
  /** CPU used during the measured window: the watched processes, this one and the machine. */
  cpu: CpuUse;
}

const READY_TIMEOUT_MS = 60_000;

runAsWorker<LatencyLoadSettings, LatencyLoadResult>(async (settings) => {
  const { plan } = settings;
  const ids = Array.from({ length: plan.profiles }, (_, index) => profileId(plan, index));
  const tracker = new DeliveryTracker(1);
  const subscriptions = await openSubscriptions({
    wsUrl: settings.wsUrl,
    connectionParams: settings.connectionParams,
    profiles: ids,
    connectConcurrency: 50,
    onCount: (index, count) =>
      tracker.received(ids[index] as string, 0, count - settings.priorEvents, performance.now()),
  });
  const sender = createUpdateSender({
    url: `${settings.baseUrl}/v1/batch`,
    headers: settings.ingestHeaders,
    plan,
    tracker,
    sockets: 64,
  });
  try {
    await proveSubscriptionsLive(sender, tracker, subscriptions.problems, READY_TIMEOUT_MS);

    const inFlight = new Set<Promise<void>>();
    const watched = { ...settings.watchPids, 'load generator': process.pid };
    let cpuAtStart: CpuReading | undefined;
    const { measured: measuredSent } = await runOpenLoop(settings, (count, measured) => {
      if (measured) cpuAtStart ??= readCpu(watched);
      for (let left = count; left > 0; left -= MAX_EVENTS_PER_REQUEST) {
        const request = sender.send(Math.min(left, MAX_EVENTS_PER_REQUEST), measured);
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
    });
    const cpu = cpuUsed(cpuAtStart ?? readCpu(watched), readCpu(watched));
    await Promise.all(inFlight);
    await waitUntil(() => tracker.pending() === 0, settings.drainMs);
    const stats = sender.stats();
    return {
      rate: settings.rate,
      sent: measuredSent,
      delivered: tracker.latencies().length,
      cpu,
      missing: tracker.pending(),
      latency: summarize(tracker.latencies()),
      requests: stats.requests,
      failedRequests: stats.failures,
      ...(stats.firstFailure ? { firstFailure: stats.firstFailure } : {}),
      problems: subscriptions.problems(),
    };
  } finally {
    sender.close();
    await subscriptions.dispose();
  }
});
