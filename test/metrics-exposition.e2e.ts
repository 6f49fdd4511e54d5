import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { promtoolPath } from '../scripts/system-packages.ts';
import { metricValue } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

/** What `promtool check metrics` says about an exposition: empty when it has nothing to say. */
function promtoolProblems(exposition: string): { status: number | null; problems: string } {
  const run = spawnSync(promtoolPath(), ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  return { status: run.status, problems: `${run.stdout}${run.stderr}`.trim() };
}

/**
 * Every service's /metrics, as Prometheus scrapes it, passes promtool's lint (names, units,
 * HELP and TYPE, `_total` only on counters), after traffic has touched the labelled series.
 */
describe('metrics exposition', () => {
  const { sandbox, system } = useSystem();
  const metrics = (service: string): Promise<string> => {
    const port = system().services[service]?.http.port();
    if (port === undefined) throw new Error(`no service ${service}`);
    return fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
  };

  beforeAll(async () => {
    const userId = `metrics-${sandbox().id}`;
    const sent = await sendSegment(system().gatewayUrl, 'track', { userId, event: 'Scraped' });
    expect(sent.status).toBe(200);
    // Both paths handled the event: their per-partition series exist.
    await eventually(async () => {
      const processor = await metrics('processor');
      const archiver = await metrics('archiver');
      return /^pulsehub_processor_events_applied_total\{[^}]*\} [1-9]/m.test(processor) &&
        /^pulsehub_archiver_events_inserted_total\{[^}]*\} [1-9]/m.test(archiver)
        ? true
        : undefined;
    }, 60_000);
  });

  it.each(['gateway', 'profile', 'activity', 'config', 'processor', 'archiver'])(
    '%s: promtool check metrics finds no problem',
    async (service) => {
      const exposition = await metrics(service);
      expect(exposition).toContain('# TYPE pulsehub_ready gauge');
      const result = promtoolProblems(exposition);
      expect(result.problems, result.problems).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('reports readiness and the dependencies each service is a client of', async () => {
    const up = async (service: string): Promise<string[]> =>
      (await metrics(service))
        .split('\n')
        .filter((line) => line.startsWith('pulsehub_dependency_up{') && line.endsWith(' 1'))
        .map((line) => /dependency="([a-z]+)"/.exec(line)?.[1] ?? '')
        .sort();
    expect(await up('gateway')).toEqual(['kafka']);
    expect(await up('activity')).toEqual(['kafka', 'postgres']);
    expect(await up('profile')).toEqual(['redis']);
    expect(await up('config')).toEqual(['redis']);
    expect(await up('processor')).toEqual(['redis']);
    expect(await up('archiver')).toEqual(['postgres']);
    for (const service of ['gateway', 'profile', 'activity', 'config', 'processor', 'archiver'])
      expect(await metrics(service)).toMatch(/^pulsehub_ready\{[^}]*\} 1$/m);
  });

  it('counts ingest answers by status code, the input of the ingest alerts', async () => {
    // A code not answered yet has no series: it counts 0.
    const answered = async (code: string): Promise<number> => {
      const value = await metricValue(
        system().gatewayUrl,
        'pulsehub_ingest_requests_total',
        `code="${code}"`,
      );
      return Number.isNaN(value) ? 0 : value;
    };
    const before = await answered('400');
    const refused = await sendSegment(system().gatewayUrl, 'track', { event: 'No identity' });
    expect(refused.status).toBe(400);
    expect(await answered('400')).toBe(before + 1);
    expect(await answered('200')).toBeGreaterThanOrEqual(1);
  });
});
