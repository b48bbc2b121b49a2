// node-pg-migrate loads JS/TS migrations through jiti. The service ships SQL migrations only, so
// the bundle replaces jiti with this stub (and stays small).
exports.createJiti = () => ({
  import: async (path) => {
    throw new Error(`checkout-api bundles SQL migrations only; cannot load ${path}`);
  },
});
