import { buildDashboard, dashboardIsStale } from '../../dashboard/build.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/logger.ts';

let building: Promise<void> | undefined;

/** One build at a time per process: gateways started together share it. */
async function buildIfStale(outDir: string | undefined, logger: Logger): Promise<void> {
  if (!(await dashboardIsStale(outDir))) return;
  const started = performance.now();
  const manifest = await buildDashboard(outDir);
  logger.info(
    { assets: manifest.assets.length, ms: Math.round(performance.now() - started) },
    'dashboard built',
  );
}

/**
 * Builds the page at start when the built files are missing or older than the sources, so
 * `npm start` always serves the current page, and a clone whose install skipped the build works.
 */
export function dashboardBuildComponent(logger: Logger, outDir?: string): Component {
  return {
    name: 'dashboard',
    async start() {
      building ??= buildIfStale(outDir, logger).finally(() => (building = undefined));
      await building;
    },
    stop: () => Promise.resolve(),
    ready: () => Promise.resolve(true),
  };
}
