// @ts-check
import { importX } from 'eslint-plugin-import-x';

/**
 * The layout's import rules (docs/layout.md): no import cycles; schema/ imports npm packages
 * only; lib/ imports only lib/ and schema/. Apart from eslint.config.js so that
 * eslint.layout.test.ts lints probe code with exactly this configuration.
 *
 * @param {string} root the project's root: the zones' paths are relative to it
 * @returns {import('eslint').Linter.Config}
 */
export function layoutConfig(root) {
  return {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses only .js dependencies by default: it would follow no .ts import and
      // see no cycle (eslint.layout.test.ts fails without this).
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      // Type-only imports are not followed (import-x skips them); they take part in no cycle
      // today, docs/layout.md asks to keep it so.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            {
              target: './schema',
              from: '.',
              except: ['./schema', './node_modules'],
              message: 'schema/ holds the contracts: it imports npm packages only.',
            },
            {
              target: './lib',
              from: '.',
              except: ['./lib', './schema', './node_modules'],
              message: 'lib/ holds generic runtime pieces: it imports only lib/ and schema/.',
            },
          ],
        },
      ],
    },
  };
}
