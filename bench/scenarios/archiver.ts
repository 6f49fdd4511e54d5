import pg from 'pg';
import { createMigratedDatabase, dropDatabase } from '../../test/support/namespace.ts';
import type { EventPlan } from '../support/events.ts';
import { benchKafka, deleteGroups, observeDrain, preProduce } from '../support/kafka.ts';
import { alternateRuns, compareRuns, type Scenario } from '../support/scenario.ts';
import { startService } from '../support/services.ts';
import { runWorker } from '../support/worker.ts';
import type { CopyRowsResult } from '../workers/copy-rows.ts';

const DEFAULT_EVENTS = 200_000;
const DEFAULT_PROFILES = 10_000;

async function countRows(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>('select count(*) from events');
    return Number(result.rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

async function expectRows(databaseUrl: string, expected: number, who: string): Promise<void> {
  const rows = await countRows(databaseUrl);
  if (rows !== expected) throw new Error(`${who} stored ${rows} rows, expected ${expected}`);
}

export const archiverScenario: Scenario = {
  name: 'archiver',
  summary: 'rows/s into PostgreSQL by the archiver vs a bare COPY of the same rows',
  partitions: 6,
  async run(context) {
    const { namespace, options, infra, log } = context;
    const events = options.events ?? DEFAULT_EVENTS;
    const profiles = Math.min(options.profiles ?? DEFAULT_PROFILES, events);
    const plan: EventPlan = { runId: namespace.id, profiles, baseTimeMs: Date.now() - events };
    const topic = namespace.topics.events;
    log(`pre-producing ${events.toLocaleString('en-US')} events over ${profiles} profiles`);
    await preProduce(namespace.kafkaBrokers, topic, plan, events);

    const admin = benchKafka(namespace.kafkaBrokers).admin();
    await admin.connect();
    const groups: string[] = [];
    const databases = new Set<string>();
    context.defer(async () => {
      await deleteGroups(admin, groups);
      await admin.disconnect();
      for (const database of databases) await dropDatabase(infra.databaseUrl, database);
    });
    const freshDatabase = async (name: string) => {
      const database = `pulsehub_${namespace.id}_${name}`;
      databases.add(database);
      return { database, url: await createMigratedDatabase(infra.databaseUrl, database) };
    };
    const release = async (database: string) => {
      await dropDatabase(infra.databaseUrl, database);
      databases.delete(database);
    };

    const copy = async (run: number) => {
      const { database, url } = await freshDatabase(`copy${run}`);
      const result = await runWorker<CopyRowsResult>(
        'bench/workers/copy-rows.ts',
        { databaseUrl: url, plan, count: events },
        'bare COPY',
      );
      await expectRows(url, events, 'the bare COPY');
      await release(database);
      return result;
    };

    const archiver = async (run: number) => {
      const { database, url } = await freshDatabase(`archiver${run}`);
      const groupId = `${namespace.id}-archiver-${run}`;
      groups.push(groupId);
      const service = await startService('archiver', namespace, {
        env: { ...context.auth.serviceEnv, CONSUMER_GROUP_ID: groupId, DATABASE_URL: url },
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
        await expectRows(url, events, 'the archiver');
        return measured;
      } finally {
        await service.stop();
        await release(database);
      }
    };

    const results = await alternateRuns(
      options.runs,
      archiver,
      copy,
      ({ run, measured, baseline }) =>
        log(
          `run ${run}: archiver ${Math.round(measured.rate)} rows/s, bare COPY ${Math.round(baseline.rate)} rows/s`,
        ),
    );
    const runs = results.map(({ run, measured, baseline }) => ({
      run,
      archiver: measured,
      bareCopy: baseline,
    }));
    const compared = compareRuns(
      results.map((run) => ({ value: run.measured.rate, baseline: run.baseline.rate })),
    );
    return {
      settings: { events, profiles, partitions: this.partitions, runs: options.runs },
      runs,
      checks: [
        {
          scenario: 'archiver',
          label: 'insert rate',
          unit: 'rows/s',
          value: compared.value,
          baseline: { name: 'bare COPY', value: compared.baseline },
          ratio: compared.ratio,
          target: { kind: 'min-ratio', value: 0.5 },
        },
      ],
    };
  },
};
