import { connectRedis } from '../../lib/redis.ts';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { topicSpecs } from '../../schema/topics.ts';
import { deleteTopics } from '../../test/support/namespace.ts';
import { createProfileStore } from '../../profiles/profile-store.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { deleteKeysWithPrefix } from '../../test/support/redis-cleanup.ts';
import { coresPerThousandEvents } from '../support/cpu.ts';
import { profileId, type EventPlan } from '../support/events.ts';
import { createFootprintProbe, perEvent } from '../support/footprint.ts';
import { PROFILE_STARTS, processorRules, type ProfileStart } from '../support/history.ts';
import type { Check, Target } from '../support/report.ts';
import { seedIfHistory } from '../support/run-start.ts';
import { benchKafka, deleteGroups, observeDrain, preProduce } from '../support/kafka.ts';
import { bytesChecks, coresCheck, startLabel } from '../support/steady-checks.ts';
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

/**
 * Reads profile 0 of the run and checks the processor really applied every one of its events
 * (on top of the `prior` events of its seeded history).
 */
async function checkProfiles(
  context: ScenarioContext,
  keyPrefix: string,
  plan: EventPlan,
  events: number,
  prior: number,
): Promise<void> {
  const redis = connectRedis(context.namespace.redisUrl);
  try {
    const store = createProfileStore(redis, redisLayout(keyPrefix));
    const [stored] = await store.readMany([profileId(plan, 0)]);
    const expected = prior + Math.ceil(events / plan.profiles);
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

    const rules = await processorRules();
    const changelogs: string[] = [];
    context.defer(() => deleteTopics(namespace.kafkaBrokers, changelogs));
    /**
     * A changelog topic of the run's own: a processor restores a fresh key prefix from its
     * changelog at start, and an earlier run's snapshots of the same profiles would replace
     * the seeded ones and make the drain a row of no-ops. It also keeps the run's bytes apart.
     */
    const runChangelog = async (name: string) => {
      const changelog = `${namespace.topics.changelog}.${name}`;
      changelogs.push(changelog);
      const specs = topicSpecs({ ...namespace.topics, changelog }, this.partitions);
      await ensureTopics(
        parseBrokers(namespace.kafkaBrokers),
        specs.filter((spec) => spec.topic === changelog),
      );
      return changelog;
    };
    const processor = async (run: number, start: ProfileStart) => {
      const groupId = `${namespace.id}-processor-${start}-${run}`;
      groups.push(groupId);
      // A fresh key prefix per run: an earlier run's watermarks would turn the work into no-ops.
      const keyPrefix = `${namespace.keyPrefix}${start}${run}:`;
      try {
        const seeded = await seedIfHistory(start, {
          redisUrl: namespace.redisUrl,
          keyPrefix,
          plan,
          partitions: this.partitions,
          rules,
        });
        if (seeded)
          log(
            `run ${run}: seeded ${seeded.profiles} profiles with ${seeded.eventsPerProfile} prior events each (${(seeded.documentBytes / 1024).toFixed(1)} KiB documents) in ${seeded.seconds.toFixed(1)} s`,
          );
        const changelog = await runChangelog(`${start}${run}`);
        const probe = await createFootprintProbe(namespace, changelog);
        const before = await probe.mark();
        const service = await startService('processor', namespace, {
          env: {
            ...context.auth.serviceEnv,
            CONSUMER_GROUP_ID: groupId,
            REDIS_KEY_PREFIX: keyPrefix,
            TOPICS_CHANGELOG: changelog,
          },
          ...(context.cpuProfileDir ? { cpuProfileDir: context.cpuProfileDir } : {}),
        });
        try {
          // A drain that cannot finish (a processor that never commits or stalls) is a
          // result, not a broken benchmark: it is reported as a drain rate of 0 with its
          // reason, beside the figures that could be measured.
          const measured = await observeDrain({
            admin,
            groupId,
            topic,
            total: events,
            consumer: service,
          }).catch((error: unknown) => ({
            failure: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
          }));
          if ('failure' in measured) return measured;
          await service.stop();
          const { footprint } = await probe.since(before);
          await checkProfiles(context, keyPrefix, plan, events, seeded?.eventsPerProfile ?? 0);
          return {
            ...measured,
            coresPerThousand: coresPerThousandEvents(
              measured.cpuSeconds ?? Number.NaN,
              measured.events,
            ),
            footprint,
            bytesPerEvent: perEvent(footprint, events),
            ...(seeded ? { seeded } : {}),
          };
        } finally {
          await service.stop();
          await probe.close();
        }
      } finally {
        await deleteKeysWithPrefix(namespace.redisUrl, keyPrefix);
      }
    };
    type Measured = Exclude<Awaited<ReturnType<typeof processor>>, { failure: string }>;
    const processorOnBoth = async (run: number) => ({
      fresh: await processor(run, 'fresh'),
      history: await processor(run, 'history'),
    });
    const describe = (measured: Measured | { failure: string }) =>
      'failure' in measured
        ? `did not drain (${measured.failure})`
        : `${Math.round(measured.rate)} events/s, ${measured.coresPerThousand.toFixed(2)} cores per 1,000 events/s, changelog ${(measured.bytesPerEvent.kafkaChangelog / 1024).toFixed(1)} KiB per event`;

    const results = await alternateRuns(
      options.runs,
      processorOnBoth,
      bare,
      ({ run, measured, baseline }) =>
        log(
          `run ${run}: processor on fresh profiles ${describe(measured.fresh)}; with history ${describe(measured.history)}; bare consumer ${Math.round(baseline.read.rate)} events/s (parsing ${Math.round(baseline.parse.rate)}, decoding ${Math.round(baseline.decode.rate)})`,
        ),
    );
    const drained = (start: ProfileStart) =>
      results.flatMap((run) => {
        const measured = run.measured[start];
        return 'failure' in measured ? [] : [measured];
      });
    const failed = (start: ProfileStart) =>
      results.flatMap((run) => {
        const measured = run.measured[start];
        return 'failure' in measured ? [measured.failure] : [];
      });
    const runs = results.map(({ run, measured, baseline }) => ({
      run,
      processor: measured.fresh,
      processorWithHistory: measured.history,
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
        ...PROFILE_STARTS.map((start) => {
          const failures = failed(start);
          const check = againstBare(
            `drain rate, ${startLabel(start)}${failures.length > 0 ? ` (${failures.length} of ${results.length} runs did not drain: ${failures[0]})` : ''}`,
            (run) => {
              const measured = run.measured[start];
              return 'failure' in measured ? 0 : measured.rate;
            },
            start === 'history' ? { kind: 'min-ratio', value: 0.5 } : { kind: 'info' },
          );
          return check;
        }),
        ...PROFILE_STARTS.flatMap((start) =>
          drained(start).length === 0
            ? []
            : [
                coresCheck({
                  scenario: 'processor',
                  start,
                  who: 'processor alone',
                  runs: drained(start).map((measured) => measured.coresPerThousand),
                  targeted: false,
                }),
                ...bytesChecks({
                  scenario: 'processor',
                  start,
                  runs: drained(start).map((measured) => measured.bytesPerEvent),
                  postgres: false,
                }),
              ],
        ),
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
