import { UsageError } from '../../scripts/command-line.ts';
import { parseArgs } from 'node:util';

/** Settings of one `npm run bench` invocation; a scenario falls back to its own defaults. */
export interface BenchOptions {
  /** Scenarios to run, in order; every scenario when none is named. */
  scenarios: string[];
  /** Measured runs per scenario; tables report the median. */
  runs: number;
  /** Events pre-produced for the processor and archiver scenarios. */
  events?: number;
  /** Profiles the events are spread over. */
  profiles?: number;
  /** Length of each measured window, seconds. */
  durationSeconds?: number;
  /** Load before each measured window whose results are thrown away, seconds. */
  warmupSeconds?: number;
  /** Requests in flight at once (gateway, ingest). */
  concurrency?: number;
  /** Event rates of the latency scenario, events per second. */
  rates?: number[];
  /** WebSocket subscribers of the fanout scenario. */
  connections?: number;
  /** Write V8 CPU profiles of the PulseHub services into bench/results/profiles/. */
  cpuProf: boolean;
}

export const USAGE = `usage: npm run bench -- [scenario ...] [options]

scenarios: processor latency gateway gateway-overhead fanout archiver ingest (default: all, in that order)

options:
  --runs N           measured runs per scenario, median reported (default 3)
  --events N         events pre-produced for processor and archiver (default 200000)
  --profiles N       profiles the events are spread over (scenario default)
  --duration S       seconds per measured window (default 10)
  --warmup S         seconds of warm-up load before each window (default 3)
  --concurrency N    requests in flight for gateway, gateway-overhead and ingest (scenario default)
  --rates A,B,C      events/s of the latency scenario (default 500,1000,2000)
  --connections N    WebSocket subscribers of the fanout scenario (default 10000)
  --cpu-prof         write CPU profiles of the PulseHub services to bench/results/profiles/
  --help             this text`;

function positiveNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

function positiveInteger(name: string, raw: string | undefined): number | undefined {
  const value = positiveNumber(name, raw);
  if (value !== undefined && !Number.isInteger(value))
    throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return value;
}

/** Parses the command line; throws a UsageError naming the bad argument. `help` asks for USAGE. */
export function parseBenchArgs(
  argv: readonly string[],
  known: readonly string[],
): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        runs: { type: 'string' },
        events: { type: 'string' },
        profiles: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        concurrency: { type: 'string' },
        rates: { type: 'string' },
        connections: { type: 'string' },
        'cpu-prof': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const unknown = positionals.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const rates = values.rates
    ?.split(',')
    .map((rate) => positiveNumber('rates', rate.trim()) as number);
  const options: BenchOptions = {
    scenarios: positionals.length > 0 ? [...new Set(positionals)] : [...known],
    runs: positiveInteger('runs', values.runs) ?? 3,
    cpuProf: values['cpu-prof'],
  };
  const optional = {
    events: positiveInteger('events', values.events),
    profiles: positiveInteger('profiles', values.profiles),
    durationSeconds: positiveNumber('duration', values.duration),
    warmupSeconds: positiveNumber('warmup', values.warmup),
    concurrency: positiveInteger('concurrency', values.concurrency),
    rates,
    connections: positiveInteger('connections', values.connections),
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(options, { [key]: value });
  return options;
}
