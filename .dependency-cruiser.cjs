/**
 * The import graph's rules (npm run check:graph; test/architecture.test.ts runs the same check):
 * one shared language at the ground, `contracts/` (@securecart/contracts), and every tier above
 * it — the infrastructure (bin/, lib/), the Lambdas (lambda/), the checkout service
 * (services/checkout-api/) and the storefront (web/) — with no arrow from one tier into another,
 * no arrow out of the contracts, and no circle anywhere.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TIERS = {
  infrastructure: '^(bin|lib)/',
  lambda: '^lambda/',
  service: '^services/checkout-api/',
  storefront: '^web/',
};
const CONTRACTS = '^contracts/';

const tierRules = Object.entries(TIERS).flatMap(([tier, from]) =>
  Object.entries(TIERS)
    .filter(([other]) => other !== tier)
    .map(([other, to]) => ({
      name: `no-${tier}-into-${other}`,
      comment: `${tier} may import only itself, the contracts and packages: not the ${other}`,
      severity: 'error',
      from: { path: from },
      to: { path: to },
    })),
);

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import circle', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'contracts-import-nothing-of-ours',
      comment: 'the contracts import only themselves and zod',
      severity: 'error',
      from: { path: CONTRACTS },
      to: { path: Object.values(TIERS).join('|') },
    },
    ...tierRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdk\\.out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Workspace packages resolve to their own folders (contracts/), not to node_modules links.
    preserveSymlinks: false,
    combinedDependencies: true,
  },
};
