// One line of a service's output as `npm start` shows it. In JSON mode the line is kept as the
// service wrote it, behind its "processor | " prefix. In pretty mode a pino record becomes
//   12:04:31.207 INFO  gateway   | listening port=4000 origin="config service"
// (its error stacks on the following, indented lines) and any other line, a crash's stack from
// Node or a library's own output, passes through behind the same prefix, aligned with the rest.
// Written here rather than with pino-pretty: its layout always puts a colon after the level and
// prints fields as JSON or one per line, and `npm start` must not need a development dependency.
import type { LogFormat } from './log-format.ts';

export interface LineFormatOptions {
  format: LogFormat;
  /** The service's prefix from prefix.ts ("gateway   | "), colored when `color` is. */
  prefix: string;
  color: boolean;
  /** Times in UTC rather than the local time zone (tests). */
  utc?: boolean;
}

/** Formats one output line of a service; the result ends with a newline (or several). */
export type LineFormatter = (line: string) => string;

const LEVELS: Readonly<Record<number, { label: string; color: number }>> = {
  10: { label: 'TRACE', color: 90 },
  20: { label: 'DEBUG', color: 34 },
  30: { label: 'INFO', color: 32 },
  40: { label: 'WARN', color: 33 },
  50: { label: 'ERROR', color: 31 },
  60: { label: 'FATAL', color: 35 },
};
const TIME_WIDTH = 'HH:MM:SS.mmm'.length;
const LEVEL_WIDTH = 'ERROR'.length;
/** Where the prefix starts on a record's line; other lines start there too, so columns line up. */
const BLANK_HEAD = ' '.repeat(TIME_WIDTH + 1 + LEVEL_WIDTH + 1);
const CONTINUATION = '    ';
/** Keys every record has that the line already shows (or that only repeat the prefix). */
const SHOWN_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'service', 'v']);
// C0 controls but tab and newline, DEL and C1 controls: a logged value (a profile id, a user
// agent) must not move the cursor or recolor the terminal.
// eslint-disable-next-line no-control-regex
const UNSAFE_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const HAS_UNSAFE_CONTROL = new RegExp(UNSAFE_CONTROL.source);

type LogRecord = Record<string, unknown> & { level: number };

export function createLineFormatter(options: LineFormatOptions): LineFormatter {
  const { prefix } = options;
  if (options.format === 'json') return (line) => `${prefix}${line}\n`;
  const paint = (code: number, text: string): string =>
    options.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  return (line) => {
    const record = parseRecord(line);
    if (record === undefined) return `${BLANK_HEAD}${prefix}${safe(line)}\n`;
    return formatRecord(record, prefix, paint, options.utc ?? false);
  };
}

function parseRecord(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  return typeof record['level'] === 'number' ? (record as LogRecord) : undefined;
}

function formatRecord(
  record: LogRecord,
  prefix: string,
  paint: (code: number, text: string) => string,
  utc: boolean,
): string {
  const level = LEVELS[record.level] ?? { label: `L${record.level}`, color: 37 };
  const time = formatTime(record['time'], utc);
  const [firstLine = '', ...moreLines] = safe(messageOf(record)).split('\n');
  const fields: string[] = [];
  const below: string[] = moreLines;
  for (const [key, value] of Object.entries(record)) {
    if (SHOWN_KEYS.has(key)) continue;
    if (isErrorLike(value)) {
      below.push(...safe(value.stack).split('\n'));
      // What the stack does not show: the code, errno, a status and so on.
      for (const [errorKey, errorValue] of Object.entries(value)) {
        if (errorKey === 'type' || errorKey === 'message' || errorKey === 'stack') continue;
        fields.push(`${paint(90, `${key}.${errorKey}=`)}${formatValue(errorValue)}`);
      }
      continue;
    }
    fields.push(`${paint(90, `${key}=`)}${formatValue(value)}`);
  }
  const head =
    `${paint(90, time)} ${paint(level.color, level.label.padEnd(LEVEL_WIDTH))} ${prefix}` +
    [firstLine, ...fields].filter((part) => part !== '').join(' ');
  return [head, ...below.map((line) => `${CONTINUATION}${line}`)].join('\n') + '\n';
}

function messageOf(record: LogRecord): string {
  const message = record['msg'];
  if (message === undefined || message === null) return '';
  return typeof message === 'string' ? message : JSON.stringify(message);
}

function isErrorLike(value: unknown): value is Record<string, unknown> & { stack: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { stack?: unknown }).stack === 'string'
  );
}

/** `word` as is; anything with spaces, quotes, `=` or controls quoted as JSON; objects as JSON. */
function formatValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[^\s"=]+$/.test(value) && !HAS_UNSAFE_CONTROL.test(value)
      ? value
      : safe(JSON.stringify(value));
  if (typeof value === 'object' && value !== null) return safe(JSON.stringify(value));
  return String(value);
}

function formatTime(time: unknown, utc: boolean): string {
  if (typeof time !== 'number') return ' '.repeat(TIME_WIDTH);
  const date = new Date(time);
  const parts = utc
    ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    : [date.getHours(), date.getMinutes(), date.getSeconds()];
  const millis = utc ? date.getUTCMilliseconds() : date.getMilliseconds();
  return `${parts.map((part) => String(part).padStart(2, '0')).join(':')}.${String(millis).padStart(3, '0')}`;
}

function safe(text: string): string {
  return text.replace(
    UNSAFE_CONTROL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
