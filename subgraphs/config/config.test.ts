import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_CONFIG_CREDENTIAL } from '../../config/client/shared-schema.ts';
import { loadServiceConfig } from '../../config/client/load.ts';
import { safeProductionEnv } from '../../test/support/production.ts';
import { configServiceConfigSchema } from './config.ts';

const load = (profiles: string[], env: Record<string, string> = {}) =>
  loadServiceConfig('config', configServiceConfigSchema, {
    env: { GATEWAY_SIGNATURE_SECRET: 'a-production-secret-of-32-characters', ...env },
    profiles,
  });

describe("the configuration endpoint's credentials", () => {
  it('ship a development credential the services send too, so `npm start` needs none', async () => {
    const config = await load([]);
    expect(config.auth).toEqual({ ...DEVELOPMENT_CONFIG_CREDENTIAL, token: '' });
    expect(config.configServer).toMatchObject(DEVELOPMENT_CONFIG_CREDENTIAL);
  });

  it('are required in production: the service refuses to start, naming the setting', async () => {
    await expect(load(['production'])).rejects.toThrow(
      /auth\.password: must be set \(AUTH_PASSWORD\)/,
    );
    const config = await load(['production'], {
      ...safeProductionEnv('config'),
      AUTH_PASSWORD: 'from-the-environment',
    });
    expect(config.auth.password).toBe('from-the-environment');
  });

  it('default to the development values where an older installation has no auth section', () => {
    expect(configServiceConfigSchema.shape.auth.parse(undefined)).toEqual({
      ...DEVELOPMENT_CONFIG_CREDENTIAL,
      token: '',
    });
  });
});
