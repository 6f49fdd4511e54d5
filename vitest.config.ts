import { defineConfig } from 'vitest/config';

/**
 * Node resolves `graphql` to its CommonJS build for packages (graphql-ws, Apollo) while Vite
 * prefers the ESM build: two copies whose `instanceof GraphQLError` disagree. Resolve it the
 * way Node does, so tests run the same single copy as production.
 */
const resolve = { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: [
            '{lib,config,schema,gateway,subgraphs,processor,archiver,infra,scripts}/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        resolve,
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
