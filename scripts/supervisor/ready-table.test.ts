import { describe, expect, it } from 'vitest';
import { addressOf, clientHost, readyTable } from './ready-table.ts';

const SERVICES = [
  { name: 'config', port: 4003 },
  { name: 'profile', port: 4001 },
  { name: 'activity', port: 4002 },
  { name: 'processor', port: 4010 },
  { name: 'archiver', port: 4011 },
  { name: 'gateway', port: 4000 },
];

const INPUT = {
  elapsed: '9.7 s',
  gateway: { host: '0.0.0.0', port: 4000 },
  writeKey: 'dev-write-key',
  dashboard: true,
  services: SERVICES,
  kafkaBrokers: 'localhost:9092',
  redisUrl: 'redis://127.0.0.1:6379',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/pulsehub',
};

describe('ready table', () => {
  it('lists what runs where', () => {
    expect(readyTable(INPUT)).toEqual([
      'PulseHub ready in 9.7 s',
      '  GraphQL     http://localhost:4000/graphql   (WebSocket ws://localhost:4000/graphql)',
      '  Ingest      http://localhost:4000/v1        (write key dev-write-key)',
      '  Dashboard   http://localhost:4000/dashboard',
      '  Metrics     gateway :4000/metrics · profile :4001 · activity :4002 · config :4003 · processor :4010 · archiver :4011',
      '  Kafka       localhost:9092 · Redis 127.0.0.1:6379 · PostgreSQL 127.0.0.1:5432/pulsehub',
    ]);
  });

  it('follows the configured gateway address and leaves out what is not there', () => {
    const lines = readyTable({
      ...INPUT,
      restarts: 'processor 1',
      gateway: { host: '127.0.0.1', port: 8080 },
      writeKey: undefined,
      dashboard: false,
      services: [
        { name: 'gateway', port: 8080 },
        { name: 'processor', port: 9010 },
      ],
      kafkaBrokers: 'kafka-1:9092,kafka-2:9092',
    });
    expect(lines).toEqual([
      'PulseHub ready in 9.7 s (restarted while starting: processor 1)',
      '  GraphQL     http://127.0.0.1:8080/graphql   (WebSocket ws://127.0.0.1:8080/graphql)',
      '  Ingest      http://127.0.0.1:8080/v1',
      '  Metrics     gateway :8080/metrics · processor :9010',
      '  Kafka       kafka-1:9092, kafka-2:9092 · Redis 127.0.0.1:6379 · PostgreSQL 127.0.0.1:5432/pulsehub',
    ]);
  });

  it('shows a Redis Cluster by its seed nodes, without credentials', () => {
    const lines = readyTable({
      ...INPUT,
      redisUrl: 'redis+cluster://:s3cret@127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002',
    });
    expect(lines.at(-1)).toBe(
      '  Kafka       localhost:9092 · Redis 127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002 · PostgreSQL 127.0.0.1:5432/pulsehub',
    );
  });

  it('never shows credentials of a URL', () => {
    expect(addressOf('postgres://app:s3cret@db.internal:5433/pulsehub')).toBe(
      'db.internal:5433/pulsehub',
    );
    expect(addressOf('redis://:s3cret@cache:6380')).toBe('cache:6380');
    expect(addressOf('not a url://user:s3cret@host')).not.toContain('s3cret');
  });

  it('names a wildcard listen address the way a local client reaches it', () => {
    expect(clientHost('0.0.0.0')).toBe('localhost');
    expect(clientHost('::')).toBe('localhost');
    expect(clientHost('::1')).toBe('[::1]');
    expect(clientHost('10.0.0.5')).toBe('10.0.0.5');
  });
});
