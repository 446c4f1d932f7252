import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'public', '.scratch', 'test-results', 'playwright-report', 'bench/out', 'bench/dist', 'bench/studio-dist', 'e2e/fixtures/generated', 'e2e/fixtures/bad'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // This rule only matters to the React Compiler, which the studio does not use.
      'react-hooks/incompatible-library': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Playwright fixtures call a parameter named `use`; it is not React's hook.
    files: ['e2e/**/*.ts'],
    rules: { 'react-hooks/rules-of-hooks': 'off' },
  },
  {
    // core/ is pure math: it runs in the worker and in Node alike.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['react', 'react-*', 'zustand', '**/store/**', '**/worker/**', '**/panels/**', '**/components/**'] }],
      'no-restricted-globals': ['error', 'window', 'document', 'self'],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    // Bench scripts hand functions to the browser page, hence the browser globals.
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
