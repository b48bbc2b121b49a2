/**
 * npm run test:cache (scripts/test-cache.sh): the shared cache's tests, test/cache/, against real
 * Valkey-compatible servers (Debian's redis-server; the script finds or installs it and sets
 * CHECKOUT_TEST_VALKEY_BIN). Each test file starts its own servers on free ports
 * (test/cache/valkey-server.ts), so a file can stop one mid-test. The database is PGlite, as in
 * `npm test`.
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  displayName: 'checkout-api (shared cache)',
  roots: ['<rootDir>/test/cache'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 60_000,
};
