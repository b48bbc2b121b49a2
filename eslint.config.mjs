import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'dist/', 'scratch/', '**/*.js', '!jest.config.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'off',
    },
  },
  // Small files and functions in the service and the storefront (issue 17): tests excepted.
  {
    files: ['services/checkout-api/src/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    rules: {
      'max-lines': ['error', { max: 250 }],
      'max-lines-per-function': ['error', { max: 60 }],
    },
  },
  // Tests and scripts read synthesized CloudFormation JSON, which is untyped by nature.
  { files: ['test/**/*.ts', 'scripts/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['jest.config.js', '*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
);
