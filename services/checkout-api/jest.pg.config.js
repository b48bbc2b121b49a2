/**
 * npm run test:pg (scripts/test-pg.sh): the same service tests against a real PostgreSQL server
 * (CHECKOUT_TEST_PG_URL, set by the script), plus test/pg/, the concurrency tests that only a
 * server with truly parallel transactions can run (PGlite serialises them).
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  displayName: 'checkout-api (PostgreSQL server)',
  testPathIgnorePatterns: ['/node_modules/', '/test/cache/'],
  testTimeout: 120_000,
};
