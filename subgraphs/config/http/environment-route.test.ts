import { describe, expect, it } from 'vitest';
import { refusal } from './environment-route.ts';

const request = (remoteAddress: string, authorization?: string) =>
  ({
    socket: { remoteAddress },
    headers: authorization === undefined ? {} : { authorization },
  }) as unknown as Parameters<typeof refusal>[0];

describe('who may read decrypted configuration', () => {
  it('without a token: this machine only', () => {
    expect(refusal(request('127.0.0.1'), '')).toBeUndefined();
    expect(refusal(request('::ffff:127.0.0.1'), '')).toBeUndefined();
    expect(refusal(request('10.0.0.8'), '')).toMatchObject({ status: 403 });
  });

  it('with a token: every caller presents it, loopback included', () => {
    expect(refusal(request('10.0.0.8', 'Bearer s3cret'), 's3cret')).toBeUndefined();
    expect(refusal(request('127.0.0.1'), 's3cret')).toMatchObject({ status: 401 });
    expect(refusal(request('127.0.0.1', 'Bearer wrong'), 's3cret')).toMatchObject({ status: 401 });
  });
});
