import type { TestProject } from 'vitest/node';
import { ensureInfrastructure } from '../../infra/index.ts';
import { infraSettings } from './infra-settings.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    redisUrl: string;
    databaseUrl: string;
  }
}

/** Starts (or reuses) Kafka, Redis and PostgreSQL once for the e2e run and stops what it started. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const infra = await ensureInfrastructure({
    ...infraSettings(),
    log: (line) => console.log(line),
  });
  project.provide('kafkaBrokers', infra.kafkaBrokers);
  project.provide('redisUrl', infra.redisUrl);
  project.provide('databaseUrl', infra.databaseUrl);
  return () => infra.stop();
}
