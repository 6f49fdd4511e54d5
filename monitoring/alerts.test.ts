import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtoolPath } from '../scripts/system-packages.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prometheusDir = path.join(repoRoot, 'monitoring', 'prometheus');

interface AlertRule {
  alert?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTest {
  alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }>;
}

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
const alerts = (
  parse(read('monitoring/prometheus/alerts.yml')) as { groups: Array<{ rules: AlertRule[] }> }
).groups
  .flatMap((group) => group.rules)
  .filter((rule) => rule.alert !== undefined);
const ruleTests = (parse(read('monitoring/prometheus/alerts.test.yml')) as { tests: AlertTest[] })
  .tests;

/** GitHub's anchor of a Markdown heading (lowercase, punctuation dropped, spaces to dashes). */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** promtool's exit code and everything it printed, so a failure shows promtool's own words. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(promtoolPath(), args, { cwd: prometheusDir, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Prometheus alert rules (monitoring/prometheus)', () => {
  it('are valid rules', () => {
    const result = promtool('check', 'rules', 'alerts.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result, result.output).toMatchObject({ status: 0 });
  });

  it('fire on failing series and stay quiet on healthy ones (alerts.test.yml)', () => {
    const result = promtool('test', 'rules', 'alerts.test.yml');
    expect(result, result.output).toMatchObject({ status: 0 });
  });

  it('load from the example scrape configuration', () => {
    const result = promtool('check', 'config', 'prometheus.yml');
    expect(result, result.output).toMatchObject({ status: 0 });
  });

  it('each have a severity, a summary, a description and a runbook section that exists', () => {
    const anchors = new Set(
      read('docs/operations.md')
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .map((line) => anchorOf(line.replace(/^#+/, ''))),
    );
    expect(alerts.length).toBeGreaterThan(10);
    for (const rule of alerts) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const runbook = rule.annotations?.runbook_url ?? '';
      expect(runbook, rule.alert).toMatch(/^docs\/operations\.md#/);
      expect(anchors, `${rule.alert}: ${runbook}`).toContain(runbook.split('#')[1]);
    }
  });

  it('each fire in at least one test of alerts.test.yml', () => {
    const fired = new Set(
      ruleTests
        .flatMap((test) => test.alert_rule_test ?? [])
        .filter((check) => check.exp_alerts.length > 0)
        .map((check) => check.alertname),
    );
    expect([...fired].sort()).toEqual(alerts.map((rule) => rule.alert).sort());
  });
});
