// How `npm start` shows the services' logs: one readable line per record in a terminal, the
// services' own JSON lines anywhere else (a file, a pipe to jq or a log shipper).
import { parseArgs } from 'node:util';
import { UsageError } from '../command-line.ts';
import { runtimeFromEnv, type ServiceRuntime } from '../service-runtime.ts';

export type LogFormat = 'json' | 'pretty';

const CHOICES = ['auto', 'json', 'pretty'] as const;
type LogFormatChoice = (typeof CHOICES)[number];

export const START_USAGE = `usage: npm start -- [options]

options:
  --log-format F   json, pretty or auto (default: PULSEHUB_LOG_FORMAT, else auto: pretty when
                   stdout is a terminal, json otherwise)
  --built          run the services from the build (dist/, \`npm run build\`) on plain node;
                   also PULSEHUB_RUNTIME=built. Refused when the build is missing or stale.
  --help           this text`;

function choice(raw: string, source: string): LogFormatChoice {
  const value = raw.trim().toLowerCase();
  if ((CHOICES as readonly string[]).includes(value)) return value as LogFormatChoice;
  throw new UsageError(`${source} must be json, pretty or auto, got "${raw}"`);
}

/** The command line wins over PULSEHUB_LOG_FORMAT; "auto" (or neither) follows the terminal. */
export function chooseLogFormat(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  stdoutIsTerminal: boolean,
): LogFormat {
  const fromEnv = env['PULSEHUB_LOG_FORMAT'];
  const chosen =
    flag !== undefined
      ? choice(flag, '--log-format')
      : fromEnv !== undefined && fromEnv !== ''
        ? choice(fromEnv, 'PULSEHUB_LOG_FORMAT')
        : 'auto';
  if (chosen !== 'auto') return chosen;
  return stdoutIsTerminal ? 'pretty' : 'json';
}

export interface StartOptions {
  logFormat: LogFormat;
  /** What the services run: the sources under tsx (default) or the build. */
  runtime: ServiceRuntime;
}

/** Parses `npm start -- …`; throws a UsageError naming the bad argument. `help` asks for usage. */
export function parseStartArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdoutIsTerminal: boolean,
): StartOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        'log-format': { type: 'string' },
        built: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  let runtime: ServiceRuntime;
  try {
    runtime = values.built ? 'built' : runtimeFromEnv(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { logFormat: chooseLogFormat(values['log-format'], env, stdoutIsTerminal), runtime };
}
