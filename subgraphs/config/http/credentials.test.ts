import { describe, expect, it } from 'vitest';
import { authenticated } from './credentials.ts';

const credentials = { username: 'svc', password: 'pa:ss word', token: '' };
const basic = (pair: string) => `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;

describe('who may read decrypted configuration', () => {
  it('takes the right HTTP Basic credentials, the password may hold colons and spaces', () => {
    expect(authenticated(basic('svc:pa:ss word'), credentials)).toBe(true);
    // RFC 9110: the scheme is case-insensitive.
    expect(authenticated(basic('svc:pa:ss word').replace('Basic', 'basic'), credentials)).toBe(
      true,
    );
  });

  it('refuses no header, a wrong user or password, and anything that is not Basic', () => {
    for (const header of [
      undefined,
      '',
      'Basic',
      basic('svc:pa:ss'),
      basic('svc:pa:ss word '),
      basic('other:pa:ss word'),
      basic(':pa:ss word'),
      basic('svc'),
      basic('svcpa:ss word'),
      'Basic !!!not-base64!!!',
      `Digest ${basic('svc:pa:ss word').slice('Basic '.length)}`,
    ])
      expect(authenticated(header, credentials), String(header)).toBe(false);
  });

  it('takes a bearer token only when one is configured', () => {
    expect(authenticated('Bearer ', credentials)).toBe(false);
    expect(authenticated('Bearer pa:ss', credentials)).toBe(false);
    const withToken = { ...credentials, token: 't0k3n' };
    expect(authenticated('Bearer t0k3n', withToken)).toBe(true);
    expect(authenticated('bearer t0k3n', withToken)).toBe(true);
    expect(authenticated('Bearer t0k3n-', withToken)).toBe(false);
    expect(authenticated('Bearer t0k3', withToken)).toBe(false);
    // The token is no Basic password, and the Basic credentials still work beside it.
    expect(authenticated(basic('svc:t0k3n'), withToken)).toBe(false);
    expect(authenticated(basic('svc:pa:ss word'), withToken)).toBe(true);
  });
});
