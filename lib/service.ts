import type { ServiceServer } from './http/service-server.ts';
import type { Component } from './lifecycle.ts';

/** A deployable service assembled from its parts, started in order and stopped in reverse. */
export interface Service {
  components: Component[];
  http: ServiceServer;
}

/** Starts a service's components in order (tests and embedders; mains use runService). */
export async function startService(service: Service): Promise<void> {
  for (const component of service.components) await component.start();
}

export async function stopService(service: Service): Promise<void> {
  for (const component of [...service.components].reverse()) await component.stop();
}
