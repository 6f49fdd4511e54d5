// "Redis loses its data": the chaos scenario, for `npm run chaos` and,
// short, for test/redis-data-loss.e2e.ts. The whole system runs
// against a redis-server of its own, which is kill -9'd under traffic three times and comes back
// empty, from its own AOF, and from an older backup; the processor must notice each time and
// restore the profiles from profile-changelog, so every counter ends exact.
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem, until } from '../setup.ts';
import { verifyRecovery } from '../verify.ts';
import { startTraffic, type TrafficPlan } from '../traffic.ts';
import { sleep } from '../../test/support/processor.ts';
import { startOwnRedis } from '../../test/support/redis-server.ts';
import { everyBatchAnswered, identifiedSegmentExact } from '../checks.ts';

/**
 * Below the events each profile gets: a re-applied event is then often older than every
 * remembered messageId, so only a restored profile's watermarks can tell it was applied.
 */
const MESSAGE_ID_WINDOW = 10;

const SIZES: Record<ChaosSize, Omit<TrafficPlan, 'idPrefix'>> = {
  full: {
    events: 50_000,
    users: 2_000,
    batchSize: 50,
    concurrency: 4,
    eventsPerSecond: 400,
    giveUpAfterMs: 120_000,
  },
  short: {
    events: 5_000,
    users: 200,
    batchSize: 25,
    concurrency: 4,
    eventsPerSecond: 250,
    giveUpAfterMs: 60_000,
  },
};

/** When (share of the events sent) a backup of Redis's files is taken, for the last loss. */
const BACKUP_AT = 0.15;

type LossKind = 'empty' | 'own-aof' | 'older-backup';
/** The losses, in order, each at a share of the events sent. */
const LOSSES: ReadonlyArray<{ at: number; kind: LossKind; how: string }> = [
  { at: 0.3, kind: 'empty', how: 'restarted empty' },
  { at: 0.55, kind: 'own-aof', how: 'restarted from its AOF (appendfsync everysec)' },
  { at: 0.8, kind: 'older-backup', how: `restarted from a backup taken at ${BACKUP_AT * 100} %` },
];
/** How long Redis stays down after each kill -9, with traffic going on. */
const DOWN_MS = 1_000;

/** The processor's restores so far (pulsehub_processor_state_restores_total over triggers). */
async function restoresOf(processorUrl: string): Promise<number> {
  const text = await (await fetch(`${processorUrl}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^pulsehub_processor_state_restores_total\{[^}]*\} (\d+)$/gm))
    total += Number(match[1]);
  return total;
}

export const redisDataLossScenario: ChaosScenario = {
  name: 'redis-data-loss',
  summary:
    "Redis kill -9'd under load and restarted empty, from its AOF and from an older backup; the processor restores the profiles from profile-changelog",
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const redis = await startOwnRedis();
    context.defer(() => redis.dispose());
    const { namespace, system, idPrefix } = await startScenarioSystem(context, {
      infra: { ...context.infra, redisUrl: redis.url },
      partitions: 6,
      env: { LIMITS_MESSAGE_ID_WINDOW: String(MESSAGE_ID_WINDOW) },
    });
    const plan: TrafficPlan = { idPrefix, ...size };
    context.log(
      `${plan.events} events over ${plan.users} users, messageIdWindow ${MESSAGE_ID_WINDOW}, own redis-server on port ${redis.port}`,
    );
    const traffic = startTraffic(system.gatewayUrl, context.auth.ingestHeaders, plan);
    const losses: Array<{ kind: LossKind; how: string; at: string; sentEvents: number }> = [];
    let lastRestartAt = Date.now();

    await until(() => traffic.sent() >= BACKUP_AT * plan.events);
    await redis.backup('early');
    context.log(`backup of Redis's files at ${traffic.sent()} events sent`);
    for (const loss of LOSSES) {
      await until(() => traffic.sent() >= loss.at * plan.events);
      await redis.kill();
      losses.push({ ...loss, at: new Date().toISOString(), sentEvents: traffic.sent() });
      await sleep(DOWN_MS);
      if (loss.kind === 'empty') await redis.wipe();
      if (loss.kind === 'older-backup') await redis.restoreBackup('early');
      await redis.restart();
      lastRestartAt = Date.now();
      context.log(`Redis kill -9'd at ${losses.at(-1)?.sentEvents} events sent, ${loss.how}`);
    }

    context.log('faults over; waiting for recovery');
    // Time to recover counts from Redis's last restart, while the traffic may still go on.
    const { tally, recoverMs } = await verifyRecovery(
      context,
      { namespace, ledger: traffic.ledger, idPrefix },
      lastRestartAt,
      traffic.done,
    );
    const trafficFigures = await traffic.done;
    // What the consumers said, when they did not catch up: the first thing to read.
    const consumerOutput =
      recoverMs === null
        ? Object.fromEntries(
            (['processor', 'archiver'] as const).map((name) => [
              name,
              system.service(name).output().slice(-3_000),
            ]),
          )
        : undefined;
    if (consumerOutput) context.log(`not recovered:\n${JSON.stringify(consumerOutput, null, 1)}`);
    const identifiedSegment = await identifiedSegmentExact(
      redis.url,
      namespace.keyPrefix,
      traffic.ledger,
    );
    const restores = await restoresOf(system.service('processor').baseUrl);
    const processorRestarted = system.unexpectedExits.some((exit) => exit.service === 'processor');
    context.log(
      `recovered ${recoverMs === null ? 'never' : `${recoverMs} ms after the last restart`}; the processor restored ${restores} times`,
    );

    const checks = [
      {
        name: `the processor restored the profiles after each of the ${LOSSES.length} losses`,
        // A processor that died and was restarted restored at its start, in the new process.
        ok: restores >= (processorRestarted ? 1 : LOSSES.length),
        detail: `${restores} restores${processorRestarted ? ' (the processor was restarted)' : ''}`,
      },
      identifiedSegment,
      everyBatchAnswered(trafficFigures),
    ];
    return {
      tally,
      recoverMs,
      checks,
      figures: {
        traffic: trafficFigures,
        losses,
        restores,
        messageIdWindow: MESSAGE_ID_WINDOW,
        unexpectedExits: system.unexpectedExits,
        ...(consumerOutput ? { consumerOutput } : {}),
      },
    };
  },
};
