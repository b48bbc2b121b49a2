/**
 * Stand-in for `@aws-sdk/credential-provider-node` in Lambda bundles (esbuild alias, see
 * lib/constructs/handler-bundles.ts). A Lambda function always receives its role's credentials
 * in environment variables — on AWS, LocalStack and emulators alike — so the default chain's
 * SSO, INI, process, web-identity and IMDS providers (and the STS/SSO clients they pull in,
 * about 90 KB minified) are dead weight in a handler. Outside Lambda, code uses the real chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
