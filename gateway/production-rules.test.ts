import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ProductionRule } from '../config/client/production-safety.ts';
import {
  DEVELOPMENT_GATEWAY_SIGNATURE_SECRET,
  DEVELOPMENT_SECRETS,
} from '../config/client/production-safety-shared.ts';
import { mergeTrees } from '../config/client/merge.ts';
import { DEFAULT_CONFIG_DIR } from '../config/client/sources.ts';
import { DEV_PUBLIC_KEY_FILE } from './auth/dev-keys.ts';
import {
  DEVELOPMENT_WRITE_KEY,
  dashboardDevSignInRule,
  developmentPublicKeyRule,
  gatewayProductionRules,
  hs256SecretRule,
  issuerAndAudienceRule,
  subscriptionTokenRule,
  writeKeysRule,
} from './production-rules.ts';
import { REPO_ROOT } from './repo-root.ts';

const flagged = (rule: ProductionRule, tree: Record<string, unknown>) =>
  rule.check(tree).map((finding) => finding.setting);

async function gatewayFile(name: string): Promise<Record<string, unknown>> {
  return parse(await readFile(path.join(DEFAULT_CONFIG_DIR, name), 'utf8')) as Record<
    string,
    unknown
  >;
}

describe('gateway production rules', () => {
  it('know the write key config/gateway.yml ships', async () => {
    expect(await gatewayFile('gateway.yml')).toMatchObject({
      ingest: { writeKeys: [DEVELOPMENT_WRITE_KEY] },
    });
  });

  it('refuse the development write key and any key shorter than 20 characters, by index', () => {
    const keys = (...writeKeys: string[]) => ({ ingest: { writeKeys } });
    expect(
      flagged(writeKeysRule, keys('k'.repeat(20), DEVELOPMENT_WRITE_KEY, 'k'.repeat(19))),
    ).toEqual(['ingest.writeKeys[1]', 'ingest.writeKeys[2]']);
    expect(writeKeysRule.check(keys('short'))[0]?.problem).toMatch(
      /a development or short write key/,
    );
    expect(flagged(writeKeysRule, keys('k'.repeat(20), 'w'.repeat(40)))).toEqual([]);
  });

  it('leave a still-encrypted write key to the encrypted-values check', () => {
    expect(flagged(writeKeysRule, { ingest: { writeKeys: ['{cipher}AAAA'] } })).toEqual([]);
  });

  it('refuse an empty or missing issuer and audience', () => {
    expect(flagged(issuerAndAudienceRule, { auth: { issuer: '', audience: '' } })).toEqual([
      'auth.issuer',
      'auth.audience',
    ]);
    expect(flagged(issuerAndAudienceRule, {})).toEqual(['auth.issuer', 'auth.audience']);
    expect(
      flagged(issuerAndAudienceRule, {
        auth: { issuer: 'https://id.example.com/', audience: 'api' },
      }),
    ).toEqual([]);
  });

  it('refuse the development public key, however its path is written', () => {
    for (const file of [
      '.data/auth/dev-es256-public.pem',
      './.data/auth/../auth/dev-es256-public.pem',
      DEV_PUBLIC_KEY_FILE,
    ])
      expect(flagged(developmentPublicKeyRule, { auth: { publicKeyFile: file } }), file).toEqual([
        'auth.publicKeyFile',
      ]);
    const [finding] = developmentPublicKeyRule.check({
      auth: { publicKeyFile: '.data/auth/dev-es256-public.pem' },
    });
    expect(finding?.fixWith).toEqual([
      ['auth', 'jwksUrl'],
      ['auth', 'publicKey'],
      ['auth', 'publicKeyFile'],
    ]);
    expect(flagged(developmentPublicKeyRule, { auth: { publicKeyFile: '' } })).toEqual([]);
    expect(
      flagged(developmentPublicKeyRule, {
        auth: { publicKeyFile: path.join(REPO_ROOT, 'keys', 'idp.pem') },
      }),
    ).toEqual([]);
  });

  it('refuse an HS256 secret development ships', () => {
    for (const secret of [...DEVELOPMENT_SECRETS, DEVELOPMENT_WRITE_KEY])
      expect(flagged(hs256SecretRule, { auth: { hs256Secret: secret } }), secret).toEqual([
        'auth.hs256Secret',
      ]);
    expect(flagged(hs256SecretRule, { auth: { hs256Secret: '' } })).toEqual([]);
    expect(flagged(hs256SecretRule, { auth: { hs256Secret: 'h'.repeat(40) } })).toEqual([]);
  });

  it('require subscriptions.requireToken to be true, a missing setting included', () => {
    expect(flagged(subscriptionTokenRule, { subscriptions: { requireToken: false } })).toEqual([
      'subscriptions.requireToken',
    ]);
    expect(flagged(subscriptionTokenRule, { subscriptions: {} })).toEqual([
      'subscriptions.requireToken',
    ]);
    expect(flagged(subscriptionTokenRule, { subscriptions: { requireToken: true } })).toEqual([]);
  });

  it('require dashboard.devSignIn to be false, a missing setting included', async () => {
    for (const tree of [{ dashboard: { devSignIn: true } }, { dashboard: {} }, {}])
      expect(flagged(dashboardDevSignInRule, tree), JSON.stringify(tree)).toEqual([
        'dashboard.devSignIn',
      ]);
    expect(flagged(dashboardDevSignInRule, { dashboard: { devSignIn: false } })).toEqual([]);
    expect(flagged(dashboardDevSignInRule, await gatewayFile('gateway.yml'))).toEqual([
      'dashboard.devSignIn',
    ]);
    expect(flagged(dashboardDevSignInRule, await gatewayFile('gateway-production.yml'))).toEqual(
      [],
    );
  });

  it('are satisfied by config/gateway-production.yml for requireToken, and nothing else ships safe', async () => {
    const production = await gatewayFile('gateway-production.yml');
    expect(flagged(subscriptionTokenRule, production)).toEqual([]);
    const shipped = mergeTrees(await gatewayFile('gateway.yml'), production);
    const findings = gatewayProductionRules.flatMap((rule) => rule.check(shipped));
    expect(findings.map((f) => f.setting)).toEqual([
      'ingest.writeKeys[0]',
      'auth.issuer',
      'auth.audience',
      'gatewaySignature.secret',
    ]);
    expect(DEVELOPMENT_SECRETS).toContain(DEVELOPMENT_GATEWAY_SIGNATURE_SECRET);
  });
});
