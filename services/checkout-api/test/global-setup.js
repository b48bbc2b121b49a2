// Once per jest run that includes checkout-api tests: build dist/server.js (skipped when its
// inputs are unchanged) and start the PostgreSQL broker the test files get databases from.
const { startBroker } = require('./db-broker');

module.exports = async () => {
  const [, broker] = await Promise.all([require('../scripts/build.js').build({ quiet: true }), startBroker()]);
  globalThis.__checkoutDbBroker = broker;
  process.env.CHECKOUT_TEST_DB_BROKER = broker.url;
};
