import { defineConfig } from 'vitest/config';

// Node loads graphql's CommonJS build (its package has no "exports"), Vite would pick the ESM
// build for test code: two graphql realms whose instanceof checks fail across each other.
const sameGraphqlAsNode = [{ find: /^graphql$/, replacement: 'graphql/index.js' }];

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
      {
        test: {
          name: 'e2e',
          alias: sameGraphqlAsNode,
          include: ['test/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          // Real Kafka consumer groups take seconds to join and rebalance.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Files share one broker and two cores: in sequence they are faster and steadier.
          fileParallelism: false,
        },
      },
    ],
  },
});
