import { describe, expect, it } from 'vitest';
import type { ProductionRule } from '../../config/client/production-safety.ts';
import { DEVELOPMENT_CONFIG_CREDENTIAL } from '../../config/client/shared-schema.ts';
import { encryptionKeyRule, endpointCredentialRule } from './production-rules.ts';

const flagged = (rule: ProductionRule, tree: Record<string, unknown>) =>
  rule.check(tree).map((finding) => finding.setting);

describe('config service production rules', () => {
  const auth = (password: string, token = '') => ({ auth: { password, token } });

  it('refuse an empty or development endpoint password without a token', () => {
    for (const password of ['', DEVELOPMENT_CONFIG_CREDENTIAL.password])
      expect(flagged(endpointCredentialRule, auth(password)), password).toEqual(['auth.password']);
    expect(flagged(endpointCredentialRule, {})).toEqual(['auth.password']);
    expect(endpointCredentialRule.check(auth(''))[0]?.fixWith).toEqual([
      ['auth', 'password'],
      ['auth', 'token'],
    ]);
  });

  it('accept a password of its own, or a token', () => {
    expect(flagged(endpointCredentialRule, auth('p'.repeat(24)))).toEqual([]);
    expect(
      flagged(endpointCredentialRule, auth(DEVELOPMENT_CONFIG_CREDENTIAL.password, 't'.repeat(24))),
    ).toEqual([]);
  });

  it('refuse a missing encryption key instead of generating a development one', () => {
    expect(flagged(encryptionKeyRule, { encrypt: { key: '', keyFile: '.data/k' } })).toEqual([
      'encrypt.key',
    ]);
    expect(encryptionKeyRule.check({ encrypt: {} })[0]?.problem).toMatch(
      /would generate a development encryption key/,
    );
    expect(flagged(encryptionKeyRule, { encrypt: { key: 'k'.repeat(32) } })).toEqual([]);
  });
});
