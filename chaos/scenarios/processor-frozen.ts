// "A processor frozen": the processor SIGSTOPped under load past its group session, a successor
// started that takes its partitions, then the frozen one SIGCONTed beside it (a zombie that
// finishes the batch it held). What test/processor-frozen.e2e.ts does against a bare
// processor, here against `npm start`'s processes with ingest's acknowledgements as the ledger.
import { startService } from '../../bench/support/services.ts';
import { randomBetween } from '../../test/support/processor.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem, until } from '../setup.ts';
import { startTraffic, type TrafficPlan } from '../traffic.ts';
import { verifyRecovery } from '../verify.ts';
import { everyBatchAnswered, identifiedSegmentExact } from '../checks.ts';

/**
 * A message-id window far below each profile's events, and many small fetches: a redelivered
 * event is recognised by the partition watermark only, and a frozen round holds little.
 */
const SETTINGS = {
  LIMITS_MESSAGE_ID_WINDOW: '5',
  CONSUMER_MAX_BYTES_PER_PARTITION: String(32 * 1024), // bytes
};

const SIZES: Record<ChaosSize, Omit<TrafficPlan, 'idPrefix'>> = {
  full: {
    events: 30_000,
    users: 300,
    batchSize: 50,
    concurrency: 4,
    eventsPerSecond: 400,
    giveUpAfterMs: 120_000,
  },
  short: {
    events: 6_000,
    users: 120,
    batchSize: 25,
    concurrency: 4,
    eventsPerSecond: 300,
    giveUpAfterMs: 30_000,
  },
};

/** pulsehub_processor_events_applied_total of the instance at `baseUrl`. */
async function appliedAt(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^pulsehub_processor_events_applied_total\{[^}]*\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}

export const processorFrozenScenario: ChaosScenario = {
  name: 'processor-frozen',
  summary:
    'the processor SIGSTOPped under load past its session, a successor takes over, then the frozen one SIGCONTed beside it',
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const { namespace, system, idPrefix } = await startScenarioSystem(context, {
      partitions: 6,
      env: SETTINGS,
    });
    const plan: TrafficPlan = { idPrefix, ...size };
    context.log(`${plan.events} events over ${plan.users} users, messageIdWindow 5`);
    const traffic = startTraffic(system.gatewayUrl, context.auth.ingestHeaders, plan);

    await until(() => traffic.sent() >= (randomBetween(20, 40) / 100) * plan.events);
    const frozen = system.service('processor');
    frozen.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    // Whatever happens next, a stopped process must not outlive the scenario.
    context.defer(() => Promise.resolve(void frozen.child.kill('SIGCONT')));
    context.log(`processor SIGSTOPped at ${traffic.sent()} events sent; starting a successor`);
    // Ready only once it consumes, i.e. after the frozen member's session expired.
    const successor = await startService('processor', namespace, {
      env: {
        ...context.auth.serviceEnv,
        ...SETTINGS,
        CONSUMER_GROUP_ID: `${namespace.id}-processor`,
      },
    });
    context.defer(() => successor.stop());
    await until(async () => (await appliedAt(successor.baseUrl)) > 0);
    const takenOverMs = Date.now() - frozenAt;
    frozen.child.kill('SIGCONT');
    const thawedAt = Date.now();
    context.log(`successor applying ${takenOverMs} ms after the freeze; frozen one SIGCONTed`);

    const { tally, recoverMs } = await verifyRecovery(
      context,
      { namespace, ledger: traffic.ledger, idPrefix },
      thawedAt,
      traffic.done,
    );
    const trafficFigures = await traffic.done;
    const identifiedSegment = await identifiedSegmentExact(
      namespace.redisUrl,
      namespace.keyPrefix,
      traffic.ledger,
    );
    return {
      tally,
      recoverMs,
      checks: [
        {
          name: 'the successor took the partitions over while the other was frozen',
          ok: (await appliedAt(successor.baseUrl)) > 0,
          detail: `applying ${takenOverMs} ms after the freeze`,
        },
        identifiedSegment,
        everyBatchAnswered(trafficFigures),
      ],
      figures: {
        traffic: trafficFigures,
        takenOverMs,
        unexpectedExits: system.unexpectedExits,
        ...(recoverMs === null ? { outputs: system.outputs() } : {}),
      },
    };
  },
};
