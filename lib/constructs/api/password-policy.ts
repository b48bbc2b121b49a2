/**
 * The customers' password policy: the user pool's (identity.ts), and the one `npm run local`'s
 * sign-up form enforces (test/e2e/provider-signup.ts). No CDK imports, so the local sign-in loads it
 * without aws-cdk-lib.
 */
export const CUSTOMER_PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;
