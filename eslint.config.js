// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nodePlugin from 'eslint-plugin-n';
import { layoutConfig } from './eslint.layout.js';

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.cache/**', 'dist/**', 'schema/db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { n: nodePlugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Every imported package must be declared in package.json.
      'n/no-extraneous-import': 'error',
      // Configuration is read in one place (config/client) so every setting is validated and documented.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through config/client.' },
      ],
    },
  },
  {
    // The config client and the infrastructure bootstrap are the places that read the environment.
    files: [
      'config/client/**/*.ts',
      'infra/**/*.ts',
      'scripts/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'vitest.config.ts',
      'drizzle.config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  // The layout (docs/layout.md): no import cycles, schema/ and lib/ import only what they may.
  layoutConfig(import.meta.dirname),
);
