import type { z } from 'zod';
import { loadServiceConfig } from '../config/client/load.ts';
import type { ServiceServer } from './http/service-server.ts';
import { runUntilSignalled, type Component } from './lifecycle.ts';
import { createLogger, type Logger } from './logger.ts';

/** A deployable service assembled from its parts, started in order and stopped in reverse. */
export interface Service {
  components: Component[];
  http: ServiceServer;
}

/** The shape of every service's `main.ts`: load and validate config, build, run until signalled. */
export async function runService<S extends z.ZodType<{ log: { level: string } }>>(
  application: string,
  schema: S,
  build: (config: z.infer<S>, logger: Logger) => Promise<Service> | Service,
): Promise<void> {
  let config: z.infer<S>;
  try {
    config = await loadServiceConfig(application, schema);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const logger = createLogger(application, config.log.level as Parameters<typeof createLogger>[1]);
  const service = await build(config, logger);
  await runUntilSignalled(service.components, logger);
}

/** Starts a service's components in order (tests and embedders; mains use runService). */
export async function startService(service: Service): Promise<void> {
  for (const component of service.components) await component.start();
}

export async function stopService(service: Service): Promise<void> {
  for (const component of [...service.components].reverse()) await component.stop();
}
