import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeletionUnderTraffic } from './support/deletion-under-traffic-scenario.ts';
import type { ChildService } from './support/child-service.ts';
import { basicAuth } from './support/http.ts';
import { spawnProcessor } from './support/processor.ts';
import { useSystem } from './support/use-system.ts';
import { stopService } from '../lib/service.ts';

const DELETE = `mutation ($id: ID!) { deleteProfile(id: $id) { ok error { code message } } }`;

describe('deletion under traffic: nothing of an erased profile survives or returns', () => {
  const { sandbox, system } = useSystem({
    partitions: 3,
    system: {
      // The scenario's bursts come on top of the stream: the write key's rate is not under test.
      gateway: { ingest: { rateLimit: { eventsPerSecond: 100_000, burst: 100_000 } } },
    },
  });
  let processor: ChildService;

  beforeAll(async () => {
    // The processor as a process of its own, so it can be frozen mid-round (SIGSTOP).
    await stopService(system().services['processor']!);
    processor = await spawnProcessor(sandbox());
  });
  afterAll(async () => {
    await processor?.stop();
  });

  it('erases every pre-deletion event everywhere; later events form a new profile', async () => {
    const outcome = await runDeletionUnderTraffic({
      namespace: sandbox(),
      gatewayUrl: system().gatewayUrl,
      ingestHeaders: { authorization: basicAuth('dev-write-key') },
      async deleteProfile(id) {
        const answer = await system().query<{ deleteProfile: { ok: boolean } }>(DELETE, { id });
        if (answer.data?.deleteProfile.ok !== true)
          throw new Error(`deleteProfile(${id}) answered ${JSON.stringify(answer)}`);
      },
      groups: {
        processor: `${sandbox().id}-processor`,
        archiver: `${sandbox().id}-archiver`,
        snapshots: `${sandbox().id}-archiver-snapshots`,
      },
      idPrefix: `${sandbox().id}-del`,
      freezeProcessor() {
        processor.process.kill('SIGSTOP');
        return Promise.resolve(() => {
          processor.process.kill('SIGCONT');
          return Promise.resolve();
        });
      },
    });
    expect(outcome.erased).toBeGreaterThan(0);
    expect(outcome.violations).toEqual([]);
    // The freeze held erased events back until after their deletion: the fence dropped them.
    const metrics = await (await fetch(`http://127.0.0.1:${processor.port}/metrics`)).text();
    const dropped = /^pulsehub_processor_events_erased_total(?:\{[^}]*\})? (\d+)$/m.exec(
      metrics,
    )?.[1];
    expect(Number(dropped)).toBeGreaterThan(0);
  });
});
