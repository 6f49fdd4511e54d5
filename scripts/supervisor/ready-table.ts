// The lines `npm start` prints once everything is ready: what runs where, from the settings the
// services listen with and the infrastructure they were given.
import { redisAddressHosts } from '../../lib/redis-address.ts';
import type { ListenSettings } from './service-settings.ts';

export interface ReadyTableInput {
  /** "9.7 s" */
  elapsed: string;
  /** "processor 2, archiver 1": services restarted while starting, if any. */
  restarts?: string | undefined;
  gateway: ListenSettings;
  /** A write key to show on the Ingest line (not an encrypted one). */
  writeKey?: string | undefined;
  /** Whether the gateway answered GET /dashboard. */
  dashboard: boolean;
  /** Every service's metrics port, the gateway (named "gateway", shown first) among them. */
  services: ReadonlyArray<{ name: string; port: number }>;
  kafkaBrokers: string;
  redisUrl: string;
  databaseUrl: string;
}

const LABEL_WIDTH = 12;
const GAP = '   ';

/** Where a client on this machine reaches an address a service listens on. */
export function clientHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** host:port (and database) of a PostgreSQL URL, never its credentials. */
export function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname === '/' ? '' : parsed.pathname;
    return `${parsed.host}${path}`;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export function readyTable(input: ReadyTableInput): string[] {
  const base = `${clientHost(input.gateway.host)}:${input.gateway.port}`;
  const graphql = `http://${base}/graphql`;
  const ingest = `http://${base}/v1`;
  const urlWidth = Math.max(graphql.length, ingest.length);
  const row = (label: string, value: string, note?: string): string =>
    `  ${label.padEnd(LABEL_WIDTH)}${note === undefined ? value : `${value.padEnd(urlWidth)}${GAP}(${note})`}`;

  const gateway = input.services.find((service) => service.name === 'gateway');
  const metrics = [
    ...(gateway === undefined ? [] : [`${gateway.name} :${gateway.port}/metrics`]),
    ...input.services
      .filter((service) => service !== gateway)
      .sort((a, b) => a.port - b.port)
      .map((service) => `${service.name} :${service.port}`),
  ];
  const infrastructure = [
    input.kafkaBrokers
      .split(',')
      .map((broker) => broker.trim())
      .join(', '),
    `Redis ${redisAddressHosts(input.redisUrl)}`,
    `PostgreSQL ${addressOf(input.databaseUrl)}`,
  ];
  return [
    `PulseHub ready in ${input.elapsed}` +
      (input.restarts === undefined ? '' : ` (restarted while starting: ${input.restarts})`),
    row('GraphQL', graphql, `WebSocket ws://${base}/graphql`),
    row('Ingest', ingest, input.writeKey === undefined ? undefined : `write key ${input.writeKey}`),
    ...(input.dashboard ? [row('Dashboard', `http://${base}/dashboard`)] : []),
    row('Metrics', metrics.join(' · ')),
    row('Kafka', infrastructure.join(' · ')),
  ];
}
