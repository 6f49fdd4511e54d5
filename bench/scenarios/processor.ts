import { Redis } from 'ioredis';
import { createProfileStore } from '../../profiles/profile-store.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { deleteKeysWithPrefix } from '../../test/support/redis-cleanup.ts';
import { profileId, type EventPlan } from '../support/events.ts';
import type { Check, Target } from '../support/report.ts';
import { benchKafka, deleteGroups, observeDrain, preProduce } from '../support/kafka.ts';
import {
  alternateRuns,
  compareRuns,
  type Scenario,
  type ScenarioContext,
} from '../support/scenario.ts';
import { startService } from '../support/services.ts';
import { startWorker } from '../support/worker.ts';
import type { BareConsumerSettings, ConsumerWork } from '../workers/bare-consumer.ts';

const DEFAULT_EVENTS = 200_000;
const DEFAULT_PROFILES = 10_000;

/** Reads profile 0 of the run and checks the processor really applied every one of its events. */
async function checkProfiles(
  context: ScenarioContext,
  keyPrefix: string,
  plan: EventPlan,
  events: number,
): Promise<void> {
  const redis = new Redis(context.namespace.redisUrl);
  try {
    const store = createProfileStore(redis, redisLayout(keyPrefix));
    const [stored] = await store.readMany([profileId(plan, 0)]);
    const expected = Math.ceil(events / plan.profiles);
    if (stored?.profile.eventCount !== expected)
      throw new Error(
        `profile ${profileId(plan, 0)} counts ${stored?.profile.eventCount} events, expected ${expected}`,
      );
  } finally {
    redis.disconnect();
  }
}

export const processorScenario: Scenario = {
  name: 'processor',
  summary: 'drain rate of the processor vs a bare kafkajs consumer reading the same topic',
  partitions: 6,
  async run(context) {
    const { namespace, options, log } = context;
    const events = options.events ?? DEFAULT_EVENTS;
    const profiles = Math.min(options.profiles ?? DEFAULT_PROFILES, events);
    const plan: EventPlan = { runId: namespace.id, profiles, baseTimeMs: Date.now() - events };
    const topic = namespace.topics.events;
    log(`pre-producing ${events.toLocaleString('en-US')} events over ${profiles} profiles`);
    await preProduce(namespace.kafkaBrokers, topic, plan, events);

    const admin = benchKafka(namespace.kafkaBrokers).admin();
    await admin.connect();
    const groups: string[] = [];
    context.defer(async () => {
      await deleteGroups(admin, groups);
      await admin.disconnect();
    });
    const drainBy = async (run: number, work: ConsumerWork) => {
      const groupId = `${namespace.id}-${work}-${run}`;
      groups.push(groupId);
      const worker = await startWorker(
        'bench/workers/bare-consumer.ts',
        { brokers: namespace.kafkaBrokers, topic, groupId, work } satisfies BareConsumerSettings,
        `${work} consumer`,
      );
      try {
        return await observeDrain({
          admin,
          groupId,
          topic,
          total: events,
          consumer: worker.process,
        });
      } finally {
        await worker.stop();
      }
    };
    // The baseline, then the same consumer doing only the processor's first per-event steps:
    // together they show how much of the baseline's speed any event-reading consumer keeps.
    const bare = async (run: number) => ({
      read: await drainBy(run, 'read'),
      parse: await drainBy(run, 'parse'),
      decode: await drainBy(run, 'decode'),
    });

    const processor = async (run: number) => {
      const groupId = `${namespace.id}-processor-${run}`;
      groups.push(groupId);
      // A fresh key prefix per run: an earlier run's watermarks would turn the work into no-ops.
      const keyPrefix = `${namespace.keyPrefix}r${run}:`;
      const service = await startService('processor', namespace, {
        env: {
          ...context.auth.serviceEnv,
          CONSUMER_GROUP_ID: groupId,
          REDIS_KEY_PREFIX: keyPrefix,
        },
        ...(context.cpuProfileDir ? { cpuProfileDir: context.cpuProfileDir } : {}),
      });
      try {
        const measured = await observeDrain({
          admin,
          groupId,
          topic,
          total: events,
          consumer: service,
        });
        await service.stop();
        await checkProfiles(context, keyPrefix, plan, events);
        return measured;
      } finally {
        await service.stop();
        await deleteKeysWithPrefix(namespace.redisUrl, keyPrefix);
      }
    };

    const results = await alternateRuns(
      options.runs,
      processor,
      bare,
      ({ run, measured, baseline }) =>
        log(
          `run ${run}: processor ${Math.round(measured.rate)} events/s, bare consumer ${Math.round(baseline.read.rate)} events/s (parsing ${Math.round(baseline.parse.rate)}, decoding ${Math.round(baseline.decode.rate)})`,
        ),
    );
    const runs = results.map(({ run, measured, baseline }) => ({
      run,
      processor: measured,
      bareConsumer: baseline.read,
      parsingConsumer: baseline.parse,
      decodingConsumer: baseline.decode,
    }));
    /** A drain rate of every run against the bare consumer's of the same run. */
    const againstBare = (
      label: string,
      rate: (run: (typeof results)[number]) => number,
      target: Target,
    ): Check => {
      const compared = compareRuns(
        results.map((run) => ({ value: rate(run), baseline: run.baseline.read.rate })),
      );
      return {
        scenario: 'processor',
        label,
        unit: 'events/s',
        value: compared.value,
        baseline: { name: 'bare kafkajs consumer', value: compared.baseline },
        ratio: compared.ratio,
        target,
      };
    };
    return {
      settings: { events, profiles, partitions: this.partitions, runs: options.runs },
      runs,
      checks: [
        againstBare('drain rate', (run) => run.measured.rate, { kind: 'min-ratio', value: 0.5 }),
        againstBare('bare consumer + JSON.parse per event', (run) => run.baseline.parse.rate, {
          kind: 'info',
        }),
        againstBare(
          'bare consumer + processor decode per event',
          (run) => run.baseline.decode.rate,
          { kind: 'info' },
        ),
      ],
    };
  },
};
