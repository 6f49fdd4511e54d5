import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{lib,config,schema,gateway,subgraphs,processor,archiver,infra,scripts,bench}/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
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
