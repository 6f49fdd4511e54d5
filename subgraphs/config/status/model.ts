/** The system status as the schema's SystemStatus type answers it (schema/subgraphs/config.graphql). */
export interface SystemStatus {
  observedAt: Date;
  events: { total: number; perSecond: number };
  consumers: ConsumerGroupLag[];
  deadLetters: { total: number; latest: DeadLetterSummary[] };
  services: ServiceStatus[];
  dependencies: DependencyStatus[];
  subscriptions: { connections: number };
}

export interface ConsumerGroupLag {
  role: 'processor' | 'archiver';
  group: string;
  topic: string;
  lag: number;
}

export interface DeadLetterSummary {
  reason: string;
  at: Date;
  topic: string | null;
  partition: number | null;
  offset: string | null;
}

export interface ServiceInstance {
  id: string;
  url: string | null;
  ready: boolean;
  startedAt: Date;
  lastSeenAt: Date;
}

export interface ServiceStatus {
  name: string;
  up: boolean;
  ready: boolean;
  instances: ServiceInstance[];
}

export interface DependencyStatus {
  name: 'kafka' | 'redis';
  reachable: boolean;
  error: string | null;
}
