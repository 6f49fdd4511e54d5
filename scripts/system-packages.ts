// `npm run test:tools` (first step of `npm test` after lint): makes sure the system programs the
// tests run are installed — Chromium for the browser tests, promtool (Debian package
// `prometheus`) for the alert rules and metric names. On Debian or Ubuntu as root it installs
// what is missing with apt-get; anywhere else it says how to install it by hand and exits 1.
// Tests find the programs through `chromiumPath()` and `promtoolPath()`.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { findExecutable } from '../infra/executables.ts';

interface SystemTool {
  /** The program's names on PATH, in order of preference. */
  binaries: readonly string[];
  /** The Debian package that ships it. */
  debianPackage: string;
  /** What the tests use it for, for the error message. */
  usedFor: string;
}

const TOOLS = {
  chromium: {
    binaries: ['chromium', 'chromium-browser'],
    debianPackage: 'chromium',
    usedFor: 'the browser tests of the dashboard',
  },
  promtool: {
    binaries: ['promtool'],
    debianPackage: 'prometheus',
    usedFor: 'the alert rule tests and the metric name checks',
  },
} as const satisfies Record<string, SystemTool>;

type ToolName = keyof typeof TOOLS;

// Debian's policy-rc.d convention: exit 101 = "action forbidden", so a package's postinst does
// not start its service (the prometheus package would start a server on :9090 otherwise).
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** The first of `names` found on PATH (or /usr/bin, /usr/sbin when PATH lacks them). */
function which(names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = findExecutable(name, ['/usr/bin', '/usr/sbin']);
    if (found !== undefined) return found;
  }
  return undefined;
}

function howToInstall(tools: readonly ToolName[]): string {
  const packages = tools.map((tool) => TOOLS[tool].debianPackage).join(' ');
  const lines = tools.map(
    (tool) =>
      `  ${TOOLS[tool].binaries[0]} (${TOOLS[tool].usedFor}): package ${TOOLS[tool].debianPackage}`,
  );
  return [
    'missing system programs the tests need:',
    ...lines,
    `install them: sudo apt-get install -y --no-install-recommends ${packages}`,
    '(elsewhere: Chromium from your distribution, promtool from https://prometheus.io/download/)',
    'and keep them on PATH.',
  ].join('\n');
}

function toolPath(tool: ToolName): string {
  const found = which(TOOLS[tool].binaries);
  if (found === undefined) throw new Error(`${howToInstall([tool])}\n(or run: npm run test:tools)`);
  return found;
}

/** Chromium's executable, for playwright-core's `executablePath`; throws how to install it. */
export function chromiumPath(): string {
  return toolPath('chromium');
}

/** promtool's executable; throws how to install it. */
export function promtoolPath(): string {
  return toolPath('promtool');
}

function aptGet(args: readonly string[]): boolean {
  const run = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return run.status === 0;
}

/** apt-get install, after an `apt-get update` when the first try fails (no package lists yet). */
function aptInstall(packages: readonly string[]): boolean {
  const install = ['install', '-y', '--no-install-recommends', ...packages];
  if (aptGet(install)) return true;
  process.stdout.write('apt-get install failed; updating the package lists and trying again\n');
  return aptGet(['update']) && aptGet(install);
}

/** Runs `install` with services' start forbidden, unless the machine has its own policy. */
function withoutServiceStarts<T>(install: () => T): T {
  if (existsSync(POLICY_RC_D)) return install();
  writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by PulseHub npm run test:tools\nexit 101\n', {
    mode: 0o755,
  });
  try {
    return install();
  } finally {
    rmSync(POLICY_RC_D, { force: true });
  }
}

/** Installs what is missing where it can; throws how to install it by hand otherwise. */
export function ensureSystemPackages(tools: readonly ToolName[] = ['chromium', 'promtool']): void {
  const missing = tools.filter((tool) => which(TOOLS[tool].binaries) === undefined);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || which(['apt-get']) === undefined) throw new Error(howToInstall(missing));
  const packages = missing.map((tool) => TOOLS[tool].debianPackage);
  process.stdout.write(`installing ${packages.join(', ')} with apt-get\n`);
  withoutServiceStarts(() => aptInstall(packages));
  const stillMissing = missing.filter((tool) => which(TOOLS[tool].binaries) === undefined);
  if (stillMissing.length > 0)
    throw new Error(`apt-get did not install them.\n${howToInstall(stillMissing)}`);
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  try {
    ensureSystemPackages();
    process.stdout.write(
      `system programs: chromium ${chromiumPath()}, promtool ${promtoolPath()}\n`,
    );
  } catch (error) {
    process.stderr.write(`npm run test:tools: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
