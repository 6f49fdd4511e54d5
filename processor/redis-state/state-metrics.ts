import { Counter, type Registry } from 'prom-client';

export interface StateMetrics {
  restores: Counter<'trigger'>;
  restoredProfiles: Counter<'outcome'>;
}

export function createStateMetrics(registry: Registry): StateMetrics {
  return {
    restores: new Counter({
      name: 'pulsehub_processor_state_restores_total',
      help: 'Restores of the Redis profile state from profile-changelog after Redis lost it, by what noticed (start, write, reconnect, periodic).',
      labelNames: ['trigger'],
      registers: [registry],
    }),
    restoredProfiles: new Counter({
      name: 'pulsehub_processor_state_restored_profiles_total',
      help: 'Profiles handled by those restores, by outcome: written, kept (Redis had a newer copy), forgotten (deleted: a tombstone).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
