import { defineConfig } from 'vitest/config';

// Node loads graphql's CommonJS build (its package has no "exports"), Vite would pick the ESM
// build for test code: two graphql realms whose instanceof checks fail across each other.
const sameGraphqlAsNode = [{ find: /^graphql$/, replacement: 'graphql/index.js' }];

const e2e = {
  alias: sameGraphqlAsNode,
  environment: 'node' as const,
  globalSetup: ['test/support/global-setup.ts'],
  // Real Kafka consumer groups take seconds to join and rebalance.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Files share one broker and two cores: in sequence they are faster and steadier.
  fileParallelism: false,
};

/**
 * The e2e files whose Redis work goes to the shared Redis (the services' and the tests' own
 * reads and writes), run against a Redis Cluster by `npm run test:e2e:cluster`. Left out: the
 * files that start a redis-server of their own (startOwnRedis), and those that need only Kafka
 * or PostgreSQL.
 */
const REDIS_CLUSTER_E2E = [
  'test/api-queries.e2e.ts',
  'test/cold-path-graphql.e2e.ts',
  'test/cold-path-rebuild.e2e.ts',
  'test/config-live.e2e.ts',
  'test/config.e2e.ts',
  'test/consumer-takeover.e2e.ts',
  'test/deletion-under-traffic.e2e.ts',
  'test/doubled-services.e2e.ts',
  'test/hostile-values.e2e.ts',
  'test/hot-path-backlog.e2e.ts',
  'test/hot-path-bounds.e2e.ts',
  'test/hot-path-crash.e2e.ts',
  'test/hot-path-ingest.e2e.ts',
  'test/identity-api.e2e.ts',
  'test/identity-chaos.e2e.ts',
  'test/identity-story.e2e.ts',
  'test/processor-frozen.e2e.ts',
  'test/read-your-writes.e2e.ts',
  'test/skeleton.e2e.ts',
  'test/subscriptions-connections.e2e.ts',
  'test/subscriptions-protocol.e2e.ts',
  'test/subscriptions-resilience.e2e.ts',
  'test/subscriptions.e2e.ts',
  'test/system-status.e2e.ts',
];

const ON_REDIS_CLUSTER = /^rediss?\+cluster:\/\//.test(process.env['REDIS_URL'] ?? '');

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          alias: sameGraphqlAsNode,
          include: [
            '{lib,events,profiles,config,schema,gateway,subgraphs,processor,archiver,infra,scripts,bench,chaos,monitoring}/**/*.test.ts',
            // The layout lint rules' own test, beside eslint.layout.js.
            '*.test.ts',
          ],
          environment: 'node',
        },
      },
      { test: { ...e2e, name: 'e2e', include: ['test/**/*.e2e.ts'] } },
      // Only with a cluster address in REDIS_URL (`npm run test:e2e:cluster`), so that a plain
      // `vitest run` does not run these files twice.
      ...(ON_REDIS_CLUSTER
        ? [{ test: { ...e2e, name: 'e2e-cluster', include: REDIS_CLUSTER_E2E } }]
        : []),
    ],
  },
});
