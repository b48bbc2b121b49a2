/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/smoke/'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true }] },
  setupFiles: ['<rootDir>/test/helpers/env.ts'],
  testTimeout: 120_000,
  snapshotFormat: { printBasicPrototype: false },
};
