import path from 'node:path';
import {
  settingAt,
  stringAt,
  unsafe,
  type ProductionRule,
  type UnsafeSetting,
} from '../config/client/production-safety.ts';
import {
  DEVELOPMENT_SECRETS,
  gatewaySignatureRule,
} from '../config/client/production-safety-shared.ts';
import { isCipherText } from '../config/client/secrets.ts';
import { DEV_PUBLIC_KEY_FILE } from './auth/dev-keys.ts';
import { REPO_ROOT } from './repo-root.ts';

/** config/gateway.yml's write key, printed in the README's curl examples. */
export const DEVELOPMENT_WRITE_KEY = 'dev-write-key';

/** Write keys are public (they sit in web pages), so only length makes them unguessable. */
export const MIN_PRODUCTION_WRITE_KEY_LENGTH = 20;

const WRITE_KEYS = ['ingest', 'writeKeys'];

/** A leaked or guessable write key lets anyone write events into every profile. */
export const writeKeysRule: ProductionRule = {
  name: 'ingest.writeKeys are neither the development key nor short',
  check(tree) {
    const keys = settingAt(tree, WRITE_KEYS);
    if (!Array.isArray(keys)) return [];
    return keys.flatMap((key: unknown, index): UnsafeSetting[] => {
      // Still encrypted: refused on its own (only the config service decrypts); what it
      // decrypts to is checked when the service receives it.
      if (isCipherText(key)) return [];
      const text = typeof key === 'string' ? key : '';
      if (text !== DEVELOPMENT_WRITE_KEY && text.length >= MIN_PRODUCTION_WRITE_KEY_LENGTH)
        return [];
      return [
        {
          setting: `ingest.writeKeys[${index}]`,
          problem: `is a development or short write key: production keys have at least ${MIN_PRODUCTION_WRITE_KEY_LENGTH} characters`,
          fixWith: [WRITE_KEYS],
        },
      ];
    });
  },
};

/** Without them any token the trusted key signed is accepted, whatever it was issued for. */
export const issuerAndAudienceRule: ProductionRule = {
  name: 'auth.issuer and auth.audience are set',
  check(tree) {
    return (['issuer', 'audience'] as const)
      .map((claim) => ['auth', claim])
      .filter((setting) => stringAt(tree, setting) === '')
      .map((setting) =>
        unsafe(setting, `is empty: tokens issued by anyone for anything the key signed would pass`),
      );
  },
};

/** `npm start` generates this key pair, private key beside it in `.data/`. */
export const developmentPublicKeyRule: ProductionRule = {
  name: 'auth trusts the identity provider, not the development key',
  check(tree) {
    const file = stringAt(tree, ['auth', 'publicKeyFile']);
    if (file === '' || path.resolve(REPO_ROOT, file) !== DEV_PUBLIC_KEY_FILE) return [];
    return [
      {
        setting: 'auth.publicKeyFile',
        problem:
          `is the development key (${path.relative(REPO_ROOT, DEV_PUBLIC_KEY_FILE)}) whose ` +
          `private key lies beside it: trust the identity provider's key instead ` +
          `(and clear AUTH_PUBLIC_KEY_FILE when using another source)`,
        fixWith: [
          ['auth', 'jwksUrl'],
          ['auth', 'publicKey'],
          ['auth', 'publicKeyFile'],
        ],
      },
    ];
  },
};

/** A shared HS256 secret anyone can read in this repository signs anyone's tokens. */
export const hs256SecretRule: ProductionRule = {
  name: 'auth.hs256Secret is nothing development ships',
  check(tree) {
    const secret = stringAt(tree, ['auth', 'hs256Secret']);
    if (![...DEVELOPMENT_SECRETS, DEVELOPMENT_WRITE_KEY].includes(secret)) return [];
    return [unsafe(['auth', 'hs256Secret'], 'is a value PulseHub ships for development')];
  },
};

/** A missing setting counts as false: an older configuration must not open the socket. */
export const subscriptionTokenRule: ProductionRule = {
  name: 'subscriptions.requireToken is true',
  check(tree) {
    const setting = ['subscriptions', 'requireToken'];
    if (settingAt(tree, setting) === true) return [];
    return [
      unsafe(
        setting,
        'must be true in production: graphql-ws connections without a valid token at ' +
          'connection_init would be accepted',
      ),
    ];
  },
};

/**
 * Development sign-in hands a read token to anyone who can reach the page. A missing setting
 * counts as true, the schema's default: an older configuration must not open it.
 */
export const dashboardDevSignInRule: ProductionRule = {
  name: 'dashboard.devSignIn is false',
  check(tree) {
    const setting = ['dashboard', 'devSignIn'];
    if (settingAt(tree, setting) === false) return [];
    return [
      unsafe(
        setting,
        'must be false in production: POST /dashboard/session would give anyone a read token ' +
          'signed with the development key',
      ),
    ];
  },
};

export const gatewayProductionRules: readonly ProductionRule[] = [
  writeKeysRule,
  issuerAndAudienceRule,
  developmentPublicKeyRule,
  hs256SecretRule,
  gatewaySignatureRule,
  subscriptionTokenRule,
  dashboardDevSignInRule,
];
