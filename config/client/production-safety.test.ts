import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadServiceConfig, resolveConfig } from './load.ts';
import {
  checkProductionRules,
  describeUnsafeSettings,
  isProduction,
  settingAt,
  stringAt,
} from './production-safety.ts';
import {
  configServerCredentialRule,
  DEVELOPMENT_GATEWAY_SIGNATURE_SECRET,
  gatewaySignatureRule,
  subgraphExposureRule,
} from './production-safety-shared.ts';
import { archiverConfigSchema } from '../../archiver/config.ts';
import { gatewayConfigSchema } from '../../gateway/config.ts';
import { processorConfigSchema } from '../../processor/config.ts';
import { activityConfigSchema } from '../../subgraphs/activity/config.ts';
import { configServiceConfigSchema } from '../../subgraphs/config/config.ts';
import { profileConfigSchema } from '../../subgraphs/profile/config.ts';
import { productionRulesOf, withProductionRules } from './production-safety-rules.ts';
import { DEVELOPMENT_CONFIG_CREDENTIAL } from './shared-schema.ts';
import { DEFAULT_CONFIG_DIR } from './sources.ts';

const settingsOf = (rule: { check: typeof gatewaySignatureRule.check }, tree: object) =>
  rule.check(tree as Record<string, unknown>).map((finding) => finding.setting);

describe('the production safety mechanism', () => {
  it('applies under the production profile only, wherever it is in the list', () => {
    expect(isProduction(['eu', 'production'])).toBe(true);
    expect(isProduction([])).toBe(false);
    expect(isProduction(['prod'])).toBe(false);
  });

  it('reads the raw tree, missing parts as undefined and missing strings as empty', () => {
    const tree = { a: { b: 'x', list: [1] }, s: 3 };
    expect(settingAt(tree, ['a', 'b'])).toBe('x');
    expect(settingAt(tree, ['a', 'list', 'c'])).toBeUndefined();
    expect(settingAt(tree, ['s', 't'])).toBeUndefined();
    expect(stringAt(tree, ['a', 'missing'])).toBe('');
    expect(stringAt(tree, ['s'])).toBe('');
  });

  it('names the setting, what is wrong and every environment variable that fixes it', () => {
    expect(
      describeUnsafeSettings([
        { setting: 'ingest.writeKeys[0]', problem: 'is short', fixWith: [['ingest', 'writeKeys']] },
        {
          setting: 'configServer.password',
          problem: 'is known',
          fixWith: [
            ['configServer', 'password'],
            ['configServer', 'token'],
          ],
        },
      ]),
    ).toBe(
      '  - ingest.writeKeys[0]: is short (set INGEST_WRITE_KEYS)\n' +
        '  - configServer.password: is known (set CONFIG_SERVER_PASSWORD or CONFIG_SERVER_TOKEN)',
    );
  });

  it('finds the rules of every service on its schema, the shared ones included', () => {
    const schemas = [
      gatewayConfigSchema,
      profileConfigSchema,
      activityConfigSchema,
      configServiceConfigSchema,
      processorConfigSchema,
      archiverConfigSchema,
    ];
    for (const schema of schemas)
      expect(productionRulesOf(schema)).toContain(configServerCredentialRule);
    expect(productionRulesOf(profileConfigSchema)).toContain(subgraphExposureRule);
    expect(productionRulesOf(configServiceConfigSchema)).toContain(subgraphExposureRule);
    expect(productionRulesOf(gatewayConfigSchema)).toContain(gatewaySignatureRule);
    expect(productionRulesOf(gatewayConfigSchema)).not.toContain(subgraphExposureRule);
    expect(productionRulesOf(processorConfigSchema)).not.toContain(gatewaySignatureRule);
  });
});

describe('the development secrets the rules know', () => {
  it('are the values config/application.yml ships', async () => {
    const shipped = parse(
      await readFile(path.join(DEFAULT_CONFIG_DIR, 'application.yml'), 'utf8'),
    ) as { gatewaySignature: { secret: string }; configServer: { password: string } };
    expect(shipped.gatewaySignature.secret).toBe(DEVELOPMENT_GATEWAY_SIGNATURE_SECRET);
    expect(shipped.configServer.password).toBe(DEVELOPMENT_CONFIG_CREDENTIAL.password);
  });
});

describe('gatewaySignature.secret in production', () => {
  const secret = (value?: string) => ({
    gatewaySignature: value === undefined ? {} : { secret: value },
  });

  it('is refused when missing, empty, shorter than 32 or the development default', () => {
    for (const value of [undefined, '', 'x'.repeat(31), DEVELOPMENT_GATEWAY_SIGNATURE_SECRET])
      expect(settingsOf(gatewaySignatureRule, secret(value)), String(value)).toEqual([
        'gatewaySignature.secret',
      ]);
  });

  it('is accepted as a secret of 32 characters or more of its own', () => {
    expect(settingsOf(gatewaySignatureRule, secret('s'.repeat(32)))).toEqual([]);
  });
});

describe('a subgraph listening beyond loopback in production', () => {
  const subgraph = (host: string, secret: string) => ({
    http: { host },
    gatewaySignature: { secret },
  });

  it('is refused while the gateway-signature secret is unsafe, saying where it is exposed', () => {
    const [finding] = subgraphExposureRule.check(subgraph('0.0.0.0', ''));
    expect(finding?.setting).toBe('http.host');
    expect(finding?.problem).toMatch(/the subgraph is exposed on 0\.0\.0\.0/);
    expect(describeUnsafeSettings(finding ? [finding] : [])).toMatch(
      /set GATEWAY_SIGNATURE_SECRET or HTTP_HOST/,
    );
    expect(
      settingsOf(subgraphExposureRule, subgraph('10.0.0.5', DEVELOPMENT_GATEWAY_SIGNATURE_SECRET)),
    ).toEqual(['http.host']);
  });

  it('is fine on loopback, or with a real secret', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(settingsOf(subgraphExposureRule, subgraph(host, '')), host).toEqual([]);
    expect(settingsOf(subgraphExposureRule, subgraph('0.0.0.0', 's'.repeat(32)))).toEqual([]);
  });
});

describe('the config-service credential a service sends in production', () => {
  const server = (settings: Record<string, unknown>) => ({
    configServer: { enabled: true, password: 'p'.repeat(24), token: '', ...settings },
  });

  it('is refused when the password is empty, missing or the development one and no token is set', () => {
    for (const password of ['', undefined, DEVELOPMENT_CONFIG_CREDENTIAL.password])
      expect(
        settingsOf(configServerCredentialRule, server({ password })),
        String(password),
      ).toEqual(['configServer.password']);
  });

  it('is accepted with a password of its own, or a token beside the development password', () => {
    expect(settingsOf(configServerCredentialRule, server({}))).toEqual([]);
    expect(
      settingsOf(
        configServerCredentialRule,
        server({ password: DEVELOPMENT_CONFIG_CREDENTIAL.password, token: 't'.repeat(24) }),
      ),
    ).toEqual([]);
  });

  it('does not matter when the service does not use the config service', () => {
    expect(
      settingsOf(configServerCredentialRule, server({ enabled: false, password: '' })),
    ).toEqual([]);
  });
});

describe('resolveConfig under the production profile', () => {
  const load = (env: Record<string, string>, profiles = ['production']) =>
    loadServiceConfig('gateway', gatewayConfigSchema, { env, profiles });
  const message = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  };

  it("lists zod's problems and every unsafe setting in one message", async () => {
    const text = await message(load({ CONFIG_SERVER_ENABLED: 'false' }));
    // The blank secret fails zod's min(32), and the development write key is still listed.
    expect(text).toMatch(/^invalid configuration for gateway:\n/);
    expect(text).toMatch(/gatewaySignature\.secret: must be at least 32 characters/);
    expect(text).toMatch(/auth\.jwksUrl: exactly one of/);
    expect(text).toMatch(
      /unsafe in production[^\n]*\n[\s\S]*ingest\.writeKeys\[0\]: is a development or short write key[^\n]*\(set INGEST_WRITE_KEYS\)/,
    );
    expect(text).toMatch(/auth\.issuer: is empty[^\n]*\(set AUTH_ISSUER\)/);
    expect(text).toMatch(/auth\.audience: is empty[^\n]*\(set AUTH_AUDIENCE\)/);
    expect(text.match(/invalid configuration for/g)).toHaveLength(1);
  });

  it('refuses what is unsafe even when the schema accepts everything', async () => {
    const text = await message(
      load({
        CONFIG_SERVER_ENABLED: 'false',
        AUTH_JWKS_URL: 'https://id.example.com/jwks.json',
        AUTH_ISSUER: 'https://id.example.com/',
        AUTH_AUDIENCE: 'pulsehub',
        GATEWAY_SIGNATURE_SECRET: 's'.repeat(32),
      }),
    );
    expect(text).not.toMatch(/must be at least 32/);
    expect(text.split('\n').filter((line) => line.startsWith('  - '))).toEqual([
      '  - ingest.writeKeys[0]: is a development or short write key: production keys have at least 20 characters (set INGEST_WRITE_KEYS)',
    ]);
  });

  it('changes nothing for development: the shipped files start as they are', async () => {
    await expect(load({}, [])).resolves.toMatchObject({ ingest: { writeKeys: ['dev-write-key'] } });
    await expect(
      loadServiceConfig('profile', profileConfigSchema, {
        env: { HTTP_HOST: '0.0.0.0' },
        profiles: [],
      }),
    ).resolves.toMatchObject({ http: { host: '0.0.0.0' } });
  });

  it('applies to configuration from the config service alike (the same resolveConfig)', () => {
    const served = [
      {
        name: 'application.yml',
        source: {
          gatewaySignature: { secret: DEVELOPMENT_GATEWAY_SIGNATURE_SECRET, maxAgeSeconds: 30 },
        },
      },
    ];
    // A schema of its own carries the rules it is registered with.
    const schema = withProductionRules(profileConfigSchema.pick({ gatewaySignature: true }), [
      gatewaySignatureRule,
    ]);
    expect(resolveConfig('profile', schema, served, {}, {}, [])).toMatchObject({
      gatewaySignature: { secret: DEVELOPMENT_GATEWAY_SIGNATURE_SECRET },
    });
    expect(() => resolveConfig('profile', schema, served, {}, {}, ['production'])).toThrow(
      /gatewaySignature\.secret: is the development default/,
    );
    // Without profiles given, PULSEHUB_PROFILES decides, as for the services' mains.
    expect(() =>
      resolveConfig('profile', schema, served, { PULSEHUB_PROFILES: 'production' }),
    ).toThrow(/unsafe in production/);
  });

  it('checks the value the service receives, not a ciphertext still encrypted', async () => {
    const text = await message(
      load({ CONFIG_SERVER_ENABLED: 'false', INGEST_WRITE_KEYS: '{cipher}AAAA,dev-write-key' }),
    );
    expect(text).toMatch(
      /encrypted values need the config service[^\n]*\n {2}- ingest\.writeKeys\[0\]/,
    );
    expect(text).toMatch(/ingest\.writeKeys\[1\]: is a development/);
    expect(text).not.toMatch(/ingest\.writeKeys\[0\]: is a development/);
  });
});

describe('checkProductionRules', () => {
  it('runs every rule and keeps every finding', () => {
    const findings = checkProductionRules(productionRulesOf(profileConfigSchema), {
      http: { host: '0.0.0.0' },
      configServer: { enabled: true, password: '', token: '' },
    });
    expect(findings.map((f) => f.setting)).toEqual([
      'configServer.password',
      'gatewaySignature.secret',
      'http.host',
    ]);
  });
});
