// @ts-check
import eslint from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'bin/**', '*.config.js'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A test proves a guarantee only if it can fail: what a rule can see of that is held here,
    // the rest by review (CONTRIBUTING.md, Test).
    files: ['test/**/*.ts'],
    plugins: { jest },
    rules: {
      // A test without an assertion passes whatever happens. Helpers named expect… assert too.
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', '*.expect*'] }],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='toBeGreaterThanOrEqual'][arguments.0.type='Literal'][arguments.0.value=0]",
          message: 'toBeGreaterThanOrEqual(0) holds for every count and length: assert the number expected.',
        },
        {
          selector:
            "CallExpression[callee.property.name='toBeGreaterThan'][arguments.0.type='UnaryExpression'][arguments.0.operator='-'][arguments.0.argument.value=1]",
          message: 'toBeGreaterThan(-1) holds for every count and length: assert the number expected.',
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code must not import Node built-ins.' },
            {
              group: ['fs', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'path', 'undici'],
              message: 'Workflow code must stay deterministic: no I/O modules.',
            },
            {
              group: ['zod', 'zod/*'],
              message:
                'The workflow sandbox evaluates every import again per execution: check input with input.ts and input-rules.ts.',
            },
          ],
        },
      ],
    },
  },
);
