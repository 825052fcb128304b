import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.dist-*/**',
      '.run/**',
      'node_modules/**',
      'coverage/**',
      'libs/database/src/generated/**',
      'bench/results/**',
      'test/artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Read settings from the typed config (libs/contracts/src/config), not process.env.',
        },
      ],
    },
  },
  {
    // The config loader, launcher scripts and test harness are the places that read the environment.
    files: [
      'libs/contracts/src/config/**',
      'scripts/**',
      'stack/**',
      'test/**',
      'bench/**',
      'hooks/**',
      '**/*.spec.ts',
      '**/*.medium-spec.ts',
      'jest.config.js',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The admin dashboard's browser modules (served as they are, no bundler).
    files: ['src/admin/static/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'sessionStorage',
          'fetch',
          'URLSearchParams',
          'FormData',
          'AbortController',
          'TextDecoderStream',
          'Node',
          'setTimeout',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    files: ['scripts/**/*.js', 'jest.config.js', 'bin/**'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
