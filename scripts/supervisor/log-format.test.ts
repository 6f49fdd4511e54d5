import { describe, expect, it } from 'vitest';
import { UsageError } from '../command-line.ts';
import { chooseLogFormat, parseStartArgs } from './log-format.ts';

describe('log format', () => {
  it('is pretty in a terminal and JSON anywhere else unless asked', () => {
    expect(chooseLogFormat(undefined, {}, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, {}, false)).toBe('json');
    expect(chooseLogFormat(undefined, { PULSEHUB_LOG_FORMAT: 'auto' }, false)).toBe('json');
    expect(chooseLogFormat(undefined, { PULSEHUB_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat(undefined, { PULSEHUB_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('takes the command line over the environment', () => {
    expect(
      parseStartArgs(['--log-format', 'json'], { PULSEHUB_LOG_FORMAT: 'pretty' }, true),
    ).toEqual({ logFormat: 'json', runtime: 'tsx' });
    expect(parseStartArgs(['--log-format=pretty'], {}, false)).toEqual({
      logFormat: 'pretty',
      runtime: 'tsx',
    });
    expect(parseStartArgs([], {}, true)).toEqual({ logFormat: 'pretty', runtime: 'tsx' });
    expect(parseStartArgs(['--help'], {}, true)).toBe('help');
  });

  it('refuses what it does not know, naming where it came from', () => {
    expect(() => chooseLogFormat('yaml', {}, true)).toThrow(
      new UsageError('--log-format must be json, pretty or auto, got "yaml"'),
    );
    expect(() => chooseLogFormat(undefined, { PULSEHUB_LOG_FORMAT: 'text' }, true)).toThrow(
      /PULSEHUB_LOG_FORMAT must be json, pretty or auto, got "text"/,
    );
    expect(() => parseStartArgs(['--verbose'], {}, true)).toThrow(UsageError);
  });
});

describe('runtime', () => {
  it('runs the sources unless --built or PULSEHUB_RUNTIME=built asks for the build', () => {
    expect(parseStartArgs(['--built'], {}, false)).toEqual({ logFormat: 'json', runtime: 'built' });
    expect(parseStartArgs([], { PULSEHUB_RUNTIME: 'built' }, false)).toMatchObject({
      runtime: 'built',
    });
    expect(parseStartArgs([], { PULSEHUB_RUNTIME: 'tsx' }, false)).toMatchObject({
      runtime: 'tsx',
    });
    expect(() => parseStartArgs([], { PULSEHUB_RUNTIME: 'bun' }, false)).toThrow(
      /PULSEHUB_RUNTIME must be tsx or built, got "bun"/,
    );
  });
});
