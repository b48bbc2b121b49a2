import type { ProviderUser } from '../../test/e2e/provider';

/**
 * The test customers of `npm run local`'s sign-in (development only: these passwords open nothing
 * but the local sign-in server, which no stack deploys). Their `sub` (the checkout service's
 * customer id) is fixed, so a customer's orders and cart are theirs again after a restart.
 */
export const TEST_CUSTOMERS: readonly ProviderUser[] = [
  { email: 'ada@example.com', password: 'local-dev-ada', sub: '0d4f6c1e-5a4b-4c3d-8e2f-1a0000000001' },
  { email: 'grace@example.com', password: 'local-dev-grace', sub: '0d4f6c1e-5a4b-4c3d-8e2f-1a0000000002' },
  { email: 'linus@example.com', password: 'local-dev-linus', sub: '0d4f6c1e-5a4b-4c3d-8e2f-1a0000000003' },
];

/** Shown on every page of the local sign-in. */
export const SIGN_IN_LABEL =
  'Local development sign-in: stands in for Cognito on this machine (npm run local); never part of any deployed stack.';

/** The storefront's app client at the local sign-in. */
export const LOCAL_CLIENT_ID = 'local-storefront';
