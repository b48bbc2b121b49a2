module.exports = async () => {
  await globalThis.__checkoutDbBroker?.stop();
};
