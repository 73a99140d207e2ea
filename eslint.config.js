import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { layersConfig } from './eslint.layers.js'

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '**/dist/', 'data/', 'test-results/', 'bench/out/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        queueMicrotask: 'readonly',
        fetch: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only the config loader and CLI read process.env.' },
      ],
    },
  },
  {
    files: [
      'test/**',
      'bench/**',
      'src/cli.ts',
      'vitest.config.ts',
      'scripts/**',
      'web/**',
      'packages/*/test/**',
      'packages/*/examples/**',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-restricted-properties': 'off' },
  },
  layersConfig,
)
