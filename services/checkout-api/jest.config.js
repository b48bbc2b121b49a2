/**
 * checkout-api tests: one project of the root jest run (see the root jest.config.js).
 * globalSetup builds dist/server.js once (skipped when its inputs are unchanged); the tests start
 * that bundle, against PostgreSQL (PGlite) and mocked AWS clients.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'checkout-api',
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/pg/ needs a real PostgreSQL server: npm run test:pg (jest.pg.config.js) runs it; test/cache/
  // a Valkey-compatible server: npm run test:cache (jest.cache.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/test/pg/', '/test/cache/'],
  transform: {
    '^.+\\.tsx?$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'commonjs',
          moduleResolution: 'node',
          target: 'ES2022',
          esModuleInterop: true,
          isolatedModules: true,
        },
      },
    ],
  },
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  setupFiles: ['<rootDir>/test/setup-env.js'],
  snapshotFormat: { printBasicPrototype: false },
};
