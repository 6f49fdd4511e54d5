// "Consumers killed": the processor and the archiver kill -9'd at random moments under load,
// one processor kill landing on purpose between its Redis write and its changelog send.
import type { ServiceName } from '../../bench/support/services.ts';
import {
  KILL_BEFORE_CHANGELOG_ENV,
  KILL_BEFORE_CHANGELOG_LINE,
} from '../../processor/fault-injection.ts';
import { settlesWithin } from '../../lib/deadline.ts';
import { randomBetween } from '../../test/support/processor.ts';
import { changelogBehind } from '../changelog-check.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem, until } from '../setup.ts';
import type { ChaosSystem } from '../system.ts';
import { earlyEvents, startTraffic, type TrafficPlan } from '../traffic.ts';
import { verifyRecovery } from '../verify.ts';
import { everyBatchAnswered } from '../checks.ts';

/**
 * Below the events each profile gets (25): a redelivered event is then often older than every
 * remembered messageId, so only the offset watermark can tell it was applied.
 */
const MESSAGE_ID_WINDOW = 10;
const KILLS_PER_CONSUMER = 3;
/**
 * The first fifth of the events goes to a fifth of the users, each user's events in a row and
 * none later, and the processor kills itself between Redis write and changelog send within that
 * phase: the profiles of that round get no later event whose snapshot would hide a stale
 * changelog, so only the redelivered round's own send can bring it up to date.
 */
const EARLY_SHARE = 0.2;

const SIZES: Record<
  ChaosSize,
  Omit<TrafficPlan, 'idPrefix'> & { killsOfAConsumingVictim: number }
> = {
  // 125 s of traffic: room for kills that each wait until the victim consumes again.
  full: {
    events: 50_000,
    users: 2_000,
    batchSize: 50,
    concurrency: 4,
    eventsPerSecond: 400,
    giveUpAfterMs: 120_000,
    earlyShare: EARLY_SHARE,
    killsOfAConsumingVictim: KILLS_PER_CONSUMER,
  },
  // 20 s, to fit the e2e budget: after the first kill of each consumer, kills come at their
  // moment whether the replacement rejoined its group yet or not.
  short: {
    events: 5_000,
    users: 200,
    batchSize: 25,
    concurrency: 4,
    eventsPerSecond: 250,
    giveUpAfterMs: 30_000,
    earlyShare: EARLY_SHARE,
    killsOfAConsumingVictim: 1,
  },
};

/** Longest wait for a victim to consume before it is killed anyway. */
const READY_WAIT_MS = 60_000;
/** Longest wait for the fault-injection point to fire once traffic flows. */
const INJECTION_WAIT_MS = 60_000;

interface Kill {
  service: ServiceName;
  how: 'kill -9' | 'between Redis write and changelog send';
  at: string;
  /** Events of the run sent when it happened. */
  sentEvents: number;
  /** Whether the victim's /ready said it was consuming. */
  victimReady: boolean;
}

async function isReady(system: ChaosSystem, name: ServiceName): Promise<boolean> {
  const response = await fetch(`${system.service(name).baseUrl}/ready`).catch(() => undefined);
  await response?.body?.cancel();
  return response?.status === 200;
}

/** Random fractions of the run, sorted: the moments of a consumer's kills. */
function moments(count: number): number[] {
  return Array.from({ length: count }, () => randomBetween(10, 90) / 100).sort((a, b) => a - b);
}

export const consumersKilledScenario: ChaosScenario = {
  name: 'consumers-killed',
  summary: `processor and archiver each kill -9'd ${KILLS_PER_CONSUMER}+ times under load, one kill between the Redis write and the changelog send`,
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const injectionRound = randomBetween(3, 12);
    const { namespace, system, idPrefix } = await startScenarioSystem(context, {
      partitions: 6,
      env: { LIMITS_MESSAGE_ID_WINDOW: String(MESSAGE_ID_WINDOW) },
      firstEnv: { [KILL_BEFORE_CHANGELOG_ENV]: String(injectionRound) },
    });
    const plan: TrafficPlan = { idPrefix, ...size };
    if (plan.events / plan.users <= MESSAGE_ID_WINDOW)
      throw new Error('profiles must get more events than the message-id window');
    context.log(
      `${plan.events} events over ${plan.users} users, messageIdWindow ${MESSAGE_ID_WINDOW}`,
    );

    const traffic = startTraffic(system.gatewayUrl, context.auth.ingestHeaders, plan);
    const kills: Kill[] = [];
    let lastKillAt = Date.now();
    let injectedEarly = false;

    const killAt = async (name: ServiceName, fraction: number, whenConsuming: boolean) => {
      await until(() => traffic.sent() >= fraction * plan.events);
      if (whenConsuming) {
        const deadline = Date.now() + READY_WAIT_MS;
        await until(async () => Date.now() > deadline || (await isReady(system, name)));
      }
      const victimReady = await isReady(system, name);
      await system.kill(name);
      kills.push({
        service: name,
        how: 'kill -9',
        at: new Date().toISOString(),
        sentEvents: traffic.sent(),
        victimReady,
      });
      context.log(
        `kill -9 ${name} at ${traffic.sent()} events sent (${victimReady ? 'consuming' : 'not yet rejoined'})`,
      );
      lastKillAt = Date.now();
      await system.restart(name);
    };
    const killsOf = async (name: ServiceName) => {
      let kill = 0;
      for (const fraction of moments(KILLS_PER_CONSUMER))
        await killAt(name, fraction, kill++ < size.killsOfAConsumingVictim);
    };

    const processorKills = async (): Promise<boolean> => {
      const exiting = system.selfExit('processor');
      const exit = (await settlesWithin(exiting, INJECTION_WAIT_MS)) ? await exiting : undefined;
      const injected =
        exit?.signal === 'SIGKILL' && exit.lastOutput.includes(KILL_BEFORE_CHANGELOG_LINE);
      injectedEarly = injected && traffic.sent() < earlyEvents(plan);
      if (exit === undefined) await system.kill('processor');
      kills.push({
        service: 'processor',
        how: 'between Redis write and changelog send',
        at: new Date().toISOString(),
        sentEvents: traffic.sent(),
        victimReady: true,
      });
      context.log(
        `processor ${injected ? `killed itself in round ${injectionRound} between Redis write and changelog send` : 'fault-injection point never fired'}`,
      );
      lastKillAt = Date.now();
      await system.restart('processor');
      await killsOf('processor');
      return injected;
    };
    const [injected] = await Promise.all([processorKills(), killsOf('archiver')]);
    context.log('faults over; waiting for recovery');
    const { tally, recoverMs } = await verifyRecovery(
      context,
      { namespace, ledger: traffic.ledger, idPrefix },
      lastKillAt,
      traffic.done,
    );
    const trafficFigures = await traffic.done;
    const staleSnapshots = await changelogBehind(namespace, [
      ...traffic.ledger.expectedCounters().keys(),
    ]);
    const checks = [
      {
        name: "the changelog's latest snapshot of every profile is Redis's version",
        ok: staleSnapshots === 0,
        detail: `${staleSnapshots} behind`,
      },
      {
        name: 'kill between Redis write and changelog send, on profiles with no later events',
        ok: injected && injectedEarly,
        detail: `round ${injectionRound}, ${injectedEarly ? 'in' : 'after'} the early phase`,
      },
      {
        name: `processor and archiver each kill -9'd ${KILLS_PER_CONSUMER}+ times`,
        ok: (['processor', 'archiver'] as const).every(
          (name) =>
            kills.filter((kill) => kill.service === name && kill.how === 'kill -9').length >=
            KILLS_PER_CONSUMER,
        ),
        detail: `${kills.length} kills`,
      },
      everyBatchAnswered(trafficFigures),
    ];
    return {
      tally,
      recoverMs,
      checks,
      figures: {
        traffic: trafficFigures,
        kills,
        injectionRound,
        messageIdWindow: MESSAGE_ID_WINDOW,
        unexpectedExits: system.unexpectedExits,
        ...(recoverMs === null || tally.lost + tally.archivedMissing > 0
          ? { outputs: system.outputs() }
          : {}),
      },
    };
  },
};
