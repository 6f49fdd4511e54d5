import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logger.ts';
import { createCipher, DecryptionError, loadKeyMaterial } from './cipher.ts';
import { decryptSecrets, MASK, maskSecrets } from './mask.ts';

describe('AES-256-GCM {cipher} values', () => {
  const cipher = createCipher('correct horse battery staple');

  it('round-trips, with a fresh nonce each time', () => {
    const a = cipher.encrypt('s3cret');
    const b = cipher.encrypt('s3cret');
    expect(a).toMatch(/^\{cipher\}[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret');
    expect(cipher.decrypt(a)).toBe('s3cret');
  });

  it('refuses another key and a tampered value', () => {
    const value = cipher.encrypt('s3cret');
    expect(() => createCipher('another key').decrypt(value)).toThrow(DecryptionError);
    const raw = Buffer.from(value.slice('{cipher}'.length), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => cipher.decrypt(`{cipher}${raw.toString('base64')}`)).toThrow(DecryptionError);
    expect(() => cipher.decrypt('{cipher}AAAA')).toThrow('too short');
  });

  it('decrypts with previous keys during a rotation, and encrypts with the new one only', () => {
    const underOld = cipher.encrypt('s3cret');
    const rotated = createCipher('new key', ['correct horse battery staple']);
    expect(rotated.decrypt(underOld)).toBe('s3cret');
    const underNew = rotated.encrypt('s3cret');
    expect(createCipher('new key').decrypt(underNew)).toBe('s3cret');
    expect(() => cipher.decrypt(underNew)).toThrow(DecryptionError);
    expect(() => createCipher('new key').decrypt(underOld)).toThrow(DecryptionError);
  });

  it('generates a development key once, readable by its owner only', async () => {
    const keyFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'pulsehub-key-')), 'd', 'key');
    const logger = createLogger('test', 'silent');
    const first = await loadKeyMaterial({ key: '', keyFile }, logger);
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(await loadKeyMaterial({ key: '', keyFile }, logger)).toBe(first);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(keyFile, 'utf8')).trim()).toBe(first);
    expect(await loadKeyMaterial({ key: 'from-env', keyFile }, logger)).toBe('from-env');
  });
});

describe('masking and decrypting trees', () => {
  const cipher = createCipher('k');

  it('masks {cipher} values, credentials by name and URL passwords, nothing else', () => {
    const tree = {
      database: { url: 'postgres://app:hunter2@db:5432/x', password: 'plain' },
      ingest: { writeKeys: ['k1', cipher.encrypt('k2')] },
      redis: { keyPrefix: 'p:', url: 'redis://127.0.0.1:6379' },
      configServer: { token: '' },
      api: { secret: cipher.encrypt('x') },
    };
    expect(maskSecrets(tree)).toEqual({
      database: { url: `postgres://app:${MASK}@db:5432/x`, password: MASK },
      ingest: { writeKeys: [MASK, MASK] },
      redis: { keyPrefix: 'p:', url: 'redis://127.0.0.1:6379' },
      configServer: { token: '' },
      api: { secret: MASK },
    });
  });

  it('decrypts for services and names (never shows) values it cannot decrypt', () => {
    const other = createCipher('other');
    const { tree, failures } = decryptSecrets(
      {
        a: { b: cipher.encrypt('one') },
        list: ['x', cipher.encrypt('two'), other.encrypt('three')],
      },
      cipher,
    );
    expect(tree).toMatchObject({
      a: { b: 'one' },
      list: ['x', 'two', expect.stringMatching(/^\{cipher\}/) as unknown],
    });
    expect(failures).toEqual(['list[2]']);
  });
});
