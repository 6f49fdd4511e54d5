import { settingAt, stringAt, unsafe, type ProductionRule } from './production-safety.ts';
import { DEVELOPMENT_CONFIG_CREDENTIAL } from './shared-schema.ts';

/** config/application.yml's `gatewaySignature.secret`, shipped so `npm start` needs no setup. */
export const DEVELOPMENT_GATEWAY_SIGNATURE_SECRET = 'pulsehub-development-gateway-secret-0000';

/** Secrets written in config/*.yml for development: public, so never a production secret. */
export const DEVELOPMENT_SECRETS: readonly string[] = [
  DEVELOPMENT_GATEWAY_SIGNATURE_SECRET,
  DEVELOPMENT_CONFIG_CREDENTIAL.password,
];

export const MIN_GATEWAY_SIGNATURE_SECRET_LENGTH = 32;

/** Why the gateway-signature secret is unsafe, or undefined when it is not. */
export function gatewaySignatureProblem(secret: string): string | undefined {
  if (secret === '') return 'is not set';
  if (DEVELOPMENT_SECRETS.includes(secret))
    return 'is the development default from config/application.yml';
  if (secret.length < MIN_GATEWAY_SIGNATURE_SECRET_LENGTH)
    return `is shorter than ${MIN_GATEWAY_SIGNATURE_SECRET_LENGTH} characters`;
  return undefined;
}

const SIGNATURE_SECRET = ['gatewaySignature', 'secret'];

/** Gateway and subgraphs share it: whoever knows it can call a subgraph as the gateway. */
export const gatewaySignatureRule: ProductionRule = {
  name: 'gatewaySignature.secret is a real secret',
  check(tree) {
    const problem = gatewaySignatureProblem(stringAt(tree, SIGNATURE_SECRET));
    return problem === undefined
      ? []
      : [
          unsafe(
            SIGNATURE_SECRET,
            `${problem}: the gateway and every subgraph need the same secret of at least 32 characters`,
          ),
        ];
  },
};

const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

/**
 * A subgraph trusts the identity headers of signed requests. Reachable beyond this host with
 * a known or missing secret, anyone who reaches it could pose as the gateway.
 */
export const subgraphExposureRule: ProductionRule = {
  name: 'a subgraph beyond loopback needs the gateway signature',
  check(tree) {
    const host = stringAt(tree, ['http', 'host']);
    const problem = gatewaySignatureProblem(stringAt(tree, SIGNATURE_SECRET));
    if (LOOPBACK_HOSTS.includes(host) || problem === undefined) return [];
    return [
      {
        setting: 'http.host',
        problem:
          `the subgraph is exposed on ${host === '' ? 'every interface' : host} while ` +
          `gatewaySignature.secret ${problem}: anyone reaching it could pose as the gateway`,
        fixWith: [SIGNATURE_SECRET, ['http', 'host']],
      },
    ];
  },
};

/** A token counts only when it is set and not something development ships. */
export function isRealSecret(value: string): boolean {
  return value !== '' && !DEVELOPMENT_SECRETS.includes(value);
}

/**
 * What a service sends the config service, which answers with decrypted secrets: the
 * development password (or none) without a token means the config service accepts it too.
 */
export const configServerCredentialRule: ProductionRule = {
  name: 'configServer credential is not the development one',
  check(tree) {
    if (settingAt(tree, ['configServer', 'enabled']) === false) return [];
    // A missing password falls back to the schema default, the development password.
    const password =
      settingAt(tree, ['configServer', 'password']) ?? DEVELOPMENT_CONFIG_CREDENTIAL.password;
    const token = stringAt(tree, ['configServer', 'token']);
    if (typeof password === 'string' && isRealSecret(password)) return [];
    if (isRealSecret(token)) return [];
    return [
      {
        setting: 'configServer.password',
        problem:
          'is empty or the development password and configServer.token is empty: the config ' +
          'service would be reached with the credential everyone knows',
        fixWith: [
          ['configServer', 'password'],
          ['configServer', 'token'],
        ],
      },
    ];
  },
};

/** Every service loads its configuration through the config client. */
export const sharedProductionRules: readonly ProductionRule[] = [configServerCredentialRule];

/** Services behind the gateway (profile, activity, config). */
export const subgraphProductionRules: readonly ProductionRule[] = [
  gatewaySignatureRule,
  subgraphExposureRule,
];
