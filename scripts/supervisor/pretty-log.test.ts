import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLineFormatter } from './pretty-log.ts';

// 2026-03-04T05:06:07.089Z
const TIME = Date.UTC(2026, 2, 4, 5, 6, 7, 89);
const pretty = createLineFormatter({
  format: 'pretty',
  prefix: 'gateway   | ',
  color: false,
  utc: true,
});

/** Lines a real pino logger writes, as a service's stdout carries them. */
function pinoLines(log: (logger: Logger) => void): string[] {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ name: 'gateway', base: { service: 'gateway' } }, destination);
  log(logger);
  return lines;
}

describe('pretty log lines', () => {
  it('shows time, level, service, message, then the other fields as key=value', () => {
    const line = JSON.stringify({
      level: 30,
      time: TIME,
      service: 'gateway',
      name: 'gateway',
      port: 4000,
      origin: 'config service',
      ready: true,
      topics: ['a', 'b'],
      msg: 'listening',
    });
    expect(pretty(line)).toBe(
      '05:06:07.089 INFO  gateway   | listening port=4000 origin="config service" ready=true topics=["a","b"]\n',
    );
  });

  it('pads every level to the same width', () => {
    const at = (level: number) => pretty(JSON.stringify({ level, time: TIME, msg: 'm' }));
    expect(at(40)).toBe('05:06:07.089 WARN  gateway   | m\n');
    expect(at(50)).toBe('05:06:07.089 ERROR gateway   | m\n');
    expect(at(20)).toBe('05:06:07.089 DEBUG gateway   | m\n');
  });

  it('puts an error stack on the following indented lines, its other fields on the line', () => {
    const error = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    const [line = ''] = pinoLines((logger) => logger.error({ err: error }, 'produce failed'));
    const stack = error.stack?.split('\n') ?? [];
    expect(stack.length).toBeGreaterThan(1);
    const shown = pretty(line).split('\n');
    expect(shown[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} ERROR gateway {3}\| produce failed err\.code=ECONNREFUSED$/,
    );
    expect(shown.slice(1, -1)).toEqual(stack.map((stackLine) => `    ${stackLine}`));
    expect(shown.at(-1)).toBe('');
  });

  it('passes a line that is not a log record through behind the prefix, aligned', () => {
    const blank = ' '.repeat('05:06:07.089 INFO  '.length);
    expect(pretty('    at Module._compile (node:internal/modules/cjs/loader:1256:14)')).toBe(
      `${blank}gateway   |     at Module._compile (node:internal/modules/cjs/loader:1256:14)\n`,
    );
    expect(pretty('{not json')).toBe(`${blank}gateway   | {not json\n`);
    expect(pretty('{"no":"level"}')).toBe(`${blank}gateway   | {"no":"level"}\n`);
    expect(pretty('')).toBe(`${blank}gateway   | \n`);
  });

  it('never lets a logged value write terminal control sequences', () => {
    const line = JSON.stringify({ level: 30, time: TIME, msg: 'id \u001b[2J', id: 'a\u001b[31m' });
    expect(pretty(line)).toBe('05:06:07.089 INFO  gateway   | id \\u001b[2J id="a\\u001b[31m"\n');
  });

  it('colors the level and keeps the prefix it was given', () => {
    const colored = createLineFormatter({
      format: 'pretty',
      prefix: '\u001b[36mgateway |\u001b[0m ',
      color: true,
      utc: true,
    });
    expect(colored(JSON.stringify({ level: 50, time: TIME, msg: 'm', n: 1 }))).toBe(
      '\u001b[90m05:06:07.089\u001b[0m \u001b[31mERROR\u001b[0m \u001b[36mgateway |\u001b[0m ' +
        'm \u001b[90mn=\u001b[0m1\n',
    );
  });
});

describe('JSON log lines', () => {
  const json = createLineFormatter({ format: 'json', prefix: 'gateway   | ', color: false });

  it('keeps the service line as written, behind the prefix', () => {
    const [line = ''] = pinoLines((logger) => logger.info({ port: 4000 }, 'listening'));
    expect(json(line)).toBe(`gateway   | ${line}\n`);
    expect(JSON.parse(line)).toMatchObject({ service: 'gateway', msg: 'listening', port: 4000 });
  });

  it('keeps other lines as written too', () => {
    expect(json('Error: boom')).toBe('gateway   | Error: boom\n');
  });
});
