/**
 * Two projects in one run: the CDK app (stacks, snapshots, nag, workflow, handlers) and the
 * checkout-api service (services/checkout-api/jest.config.js). testTimeout is a global option
 * (jest rejects it inside a project), so it stays here for both. `npx jest test/handlers` and other
 * path filters work as before; `--selectProjects checkout-api` runs the service alone.
 * @type {import('jest').Config}
 */
module.exports = {
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'securecart',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/smoke/'],
      transform: { '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true }] },
      setupFiles: ['<rootDir>/test/helpers/env.ts'],
      snapshotFormat: { printBasicPrototype: false },
    },
    '<rootDir>/services/checkout-api',
  ],
};
