import { stringAt, unsafe, type ProductionRule } from '../../config/client/production-safety.ts';
import { isRealSecret } from '../../config/client/production-safety-shared.ts';

/**
 * The configuration endpoint answers with decrypted secrets: in production it must not
 * accept the development credential (or an empty password) unless a token replaces it.
 */
export const endpointCredentialRule: ProductionRule = {
  name: 'auth accepts no development credential',
  check(tree) {
    if (isRealSecret(stringAt(tree, ['auth', 'password']))) return [];
    if (isRealSecret(stringAt(tree, ['auth', 'token']))) return [];
    return [
      {
        setting: 'auth.password',
        problem:
          'is empty or the development password and auth.token is empty: the configuration ' +
          'endpoint serves decrypted secrets (CONFIG_SERVER_PASSWORD or CONFIG_SERVER_TOKEN ' +
          'on every service must match)',
        fixWith: [
          ['auth', 'password'],
          ['auth', 'token'],
        ],
      },
    ];
  },
};

/**
 * Without `encrypt.key` the cipher generates a development key in `encrypt.keyFile`: every
 * `{cipher}` value would then depend on a file nobody backed up or shared between instances.
 */
export const encryptionKeyRule: ProductionRule = {
  name: 'encrypt.key is set',
  check(tree) {
    const setting = ['encrypt', 'key'];
    if (isRealSecret(stringAt(tree, setting))) return [];
    return [
      unsafe(
        setting,
        'is not set: the config service would generate a development encryption key ' +
          'in encrypt.keyFile',
      ),
    ];
  },
};

export const configServiceProductionRules: readonly ProductionRule[] = [
  endpointCredentialRule,
  encryptionKeyRule,
];
