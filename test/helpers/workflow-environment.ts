/**
 * The Lambda runtime as the workflow harness's handlers see it (test/helpers/workflow-harness.ts):
 * the runtime's variables, a fresh context per invocation, and `process.env` as a per-invocation
 * view, so that concurrent handlers each see only their own function's environment.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Env = Record<string, string>;

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** Variables the Lambda runtime sets for every function (here: the local engines). */
export function runtimeEnv(step: string, dynamodbEndpoint: string): Env {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_LAMBDA_FUNCTION_NAME: step,
  };
}

// --- per-invocation environment ---------------------------------------------------------------------

/** The environment of the handler invocation in progress (undefined outside handlers). */
export const invocationEnv = new AsyncLocalStorage<Env>();
let envView: { readonly original: NodeJS.ProcessEnv; users: number } | undefined;

/**
 * Replaces `process.env` by a view that shows the current invocation's environment inside a
 * handler and the original environment everywhere else. Reference-counted; see `releaseEnvView`.
 */
export function acquireEnvView(): NodeJS.ProcessEnv {
  if (envView) {
    envView.users += 1;
    return envView.original;
  }
  const original = process.env;
  const current = (): object => invocationEnv.getStore() ?? original;
  process.env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, key) => Reflect.get(current(), key),
    set: (_t, key, value) => Reflect.set(current(), key, String(value)),
    has: (_t, key) => Reflect.has(current(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_t, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(current(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_t, key, descriptor) => Reflect.defineProperty(current(), key, descriptor),
  });
  envView = { original, users: 1 };
  return original;
}

export function releaseEnvView(): void {
  if (!envView) return;
  envView.users -= 1;
  if (envView.users === 0) {
    process.env = envView.original;
    envView = undefined;
  }
}

/** A Lambda context for one invocation. */
export function lambdaContext(name: string) {
  return {
    functionName: name,
    functionVersion: '$LATEST',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 10_000,
    callbackWaitsForEmptyEventLoop: true,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
  };
}
