// The public shapes of infra/, kept apart so the per-dependency modules can share them.

export interface InfraOptions {
  /** Git-ignored folder for the data of the dependencies we start, e.g. <repo>/.data */
  dataDir: string;
  /** Git-ignored folder for downloads (the Kafka jars), e.g. <repo>/.cache */
  cacheDir: string;
  /** e.g. 'localhost:9092' (comma-separated list) */
  kafkaBrokers: string;
  /** e.g. 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** e.g. 'postgres://postgres@127.0.0.1:5432/pulsehub' */
  databaseUrl: string;
  log: (line: string) => void;
}

export interface RunningInfra {
  kafkaBrokers: string;
  redisUrl: string;
  databaseUrl: string;
  /** Stops only what ensureInfrastructure started (Kafka, then Redis, then PostgreSQL). Idempotent. */
  stop(): Promise<void>;
}
