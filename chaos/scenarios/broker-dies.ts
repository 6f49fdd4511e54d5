// "A broker dies": the Kafka broker kill -9'd and restarted under load. Ingest must answer
// every request 200, or 503 with Retry-After, within its produce timeout, and every 200 must be
// counted and archived once. The broker is the scenario's own, never the shared one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../test/support/infra-settings.ts';
import { randomBetween, sleep } from '../../test/support/processor.ts';
import { startDedicatedKafka } from '../dedicated-kafka.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem, until } from '../setup.ts';
import { startTraffic, type TrafficPlan } from '../traffic.ts';
import { verifyRecovery } from '../verify.ts';
import { everyBatchAnswered } from '../checks.ts';

const SIZES: Record<ChaosSize, Omit<TrafficPlan, 'idPrefix'> & { downMs: number }> = {
  full: {
    events: 20_000,
    users: 1_000,
    batchSize: 50,
    concurrency: 8,
    eventsPerSecond: 400,
    giveUpAfterMs: 120_000,
    downMs: 10_000,
  },
  short: {
    events: 3_000,
    users: 150,
    batchSize: 25,
    concurrency: 8,
    eventsPerSecond: 200,
    giveUpAfterMs: 30_000,
    downMs: 3_000,
  },
};

/** HTTP and scheduling on top of the produce timeout that an answer may still take. */
const ANSWER_MARGIN_MS = 500;

/** `ingest.produceTimeoutMs` as config/gateway.yml sets it: the bound every answer must keep. */
function produceTimeoutMs(): number {
  const file = readFileSync(path.join(REPO_ROOT, 'config', 'gateway.yml'), 'utf8');
  const value = (parse(file) as { ingest?: { produceTimeoutMs?: unknown } }).ingest
    ?.produceTimeoutMs;
  if (typeof value !== 'number')
    throw new Error('config/gateway.yml has no ingest.produceTimeoutMs');
  return value;
}

export const brokerDiesScenario: ChaosScenario = {
  name: 'broker-dies',
  summary:
    "the Kafka broker kill -9'd and restarted under load: 200 or 503 + Retry-After within the produce timeout",
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const timeoutMs = produceTimeoutMs();
    const kafka = await startDedicatedKafka(`broker-${Date.now().toString(36)}`, context.log);
    context.defer(() => kafka.dispose());
    const { namespace, system, idPrefix } = await startScenarioSystem(context, {
      infra: { ...context.infra, kafkaBrokers: kafka.brokers },
      partitions: 6,
    });
    const plan: TrafficPlan = { idPrefix, ...size };
    context.log(
      `${plan.events} events over ${plan.users} users through a broker of its own at ${kafka.brokers}`,
    );
    const traffic = startTraffic(system.gatewayUrl, context.auth.ingestHeaders, plan);

    const killAtFraction = randomBetween(20, 40) / 100;
    await until(() => traffic.sent() >= killAtFraction * plan.events);
    await kafka.kill();
    const killedAt = Date.now();
    context.log(`kill -9 the broker at ${traffic.sent()} events sent; down for ${size.downMs} ms`);
    await sleep(size.downMs);
    await kafka.start();
    const backAt = Date.now();
    context.log(`broker answering again after ${backAt - killedAt} ms`);

    const { tally, recoverMs } = await verifyRecovery(
      context,
      { namespace, ledger: traffic.ledger, idPrefix },
      backAt,
      traffic.done,
    );
    const trafficFigures = await traffic.done;

    const { answers } = trafficFigures;
    const unexpected = Object.entries(answers).filter(
      ([status]) => !['200', '503'].includes(status),
    );
    const checks = [
      {
        name: 'every request answered 200 or 503',
        ok: unexpected.length === 0,
        detail: JSON.stringify(answers),
      },
      {
        name: 'every 503 carries Retry-After',
        ok: trafficFigures.withoutRetryAfter === 0,
        detail: `${trafficFigures.withoutRetryAfter} without`,
      },
      {
        name: `slowest answer within the produce timeout (${timeoutMs} ms + ${ANSWER_MARGIN_MS} ms)`,
        ok: trafficFigures.slowestMs <= timeoutMs + ANSWER_MARGIN_MS,
        detail: `${Math.round(trafficFigures.slowestMs)} ms`,
      },
      {
        name: 'the fault was felt (some 503s)',
        ok: (answers['503'] ?? 0) > 0,
        detail: `${answers['503'] ?? 0} answered 503`,
      },
      everyBatchAnswered(trafficFigures),
    ];
    return {
      tally,
      recoverMs,
      checks,
      figures: {
        traffic: trafficFigures,
        produceTimeoutMs: timeoutMs,
        brokerDownMs: backAt - killedAt,
        killedAtEvents: Math.round(killAtFraction * plan.events),
        unexpectedExits: system.unexpectedExits,
        ...(recoverMs === null || tally.lost + tally.archivedMissing > 0
          ? { outputs: system.outputs() }
          : {}),
      },
    };
  },
};
