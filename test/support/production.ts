import { randomBytes } from 'node:crypto';
import { envName } from '../../config/client/env-overrides.ts';
import { leaves, mergeTrees } from '../../config/client/merge.ts';
import type { ConfigTree } from '../../config/client/sources.ts';
import { TEST_TOKEN_CLAIMS } from './auth.ts';

/** A fresh secret, long enough for every production rule (production-safety.ts). */
export function productionSecret(): string {
  return randomBytes(24).toString('base64url');
}

export interface SafeProductionOptions {
  /** Shared by the gateway and the subgraphs it calls; fresh when omitted. */
  gatewaySignatureSecret?: string;
  /** What the config service accepts (its `auth.token`); fresh when omitted. */
  configServerToken?: string;
}

/**
 * The settings a test adds so `application` passes every production rule: the one place
 * tests running the production profile get them, so none weakens the check to start.
 * Key sources (auth.publicKey / jwksUrl) stay the test's own.
 */
export function safeProductionSettings(
  application: string,
  options: SafeProductionOptions = {},
): ConfigTree {
  // The config service follows its own changes, so it accepts the token it sends.
  const configToken = options.configServerToken ?? productionSecret();
  const everyService: ConfigTree = { configServer: { token: configToken } };
  const signed: ConfigTree = {
    gatewaySignature: { secret: options.gatewaySignatureSecret ?? productionSecret() },
  };
  const own: Record<string, ConfigTree> = {
    gateway: {
      ...signed,
      ingest: { writeKeys: [productionSecret()] },
      // What test tokens carry (test/support/auth.ts), so they still pass.
      auth: { ...TEST_TOKEN_CLAIMS },
      subscriptions: { requireToken: true },
    },
    profile: signed,
    activity: signed,
    config: {
      ...signed,
      auth: { token: configToken },
      encrypt: { key: productionSecret() },
    },
  };
  return mergeTrees(everyService, own[application] ?? {});
}

/** The same settings as environment variables, for a service started as its own process. */
export function asEnvironment(settings: ConfigTree): Record<string, string> {
  return Object.fromEntries(
    leaves(settings).map(([path, value]) => [
      envName(path),
      Array.isArray(value) ? value.join(',') : String(value),
    ]),
  );
}

export function safeProductionEnv(
  application: string,
  options: SafeProductionOptions = {},
): Record<string, string> {
  return asEnvironment(safeProductionSettings(application, options));
}
