/**
 * Business error names. Handlers throw errors with these names; the workflow catches them by name
 * (Lambda reports `error.name` as the error type). Transient errors are retried with backoff;
 * business errors go straight to Catch.
 */
export const BUSINESS_ERRORS = {
  invalidOrder: 'InvalidOrder',
  paymentDeclined: 'PaymentDeclined',
  outOfStock: 'OutOfStock',
  shipmentFailed: 'ShipmentFailed',
  /** The order's payment claim is gone (expired, or never written): nothing can be charged. */
  paymentClaimMissing: 'PaymentClaimMissing',
} as const;

export const TRANSIENT_ERRORS = {
  /** The payment provider answered 5xx or timed out; safe to retry (charges are idempotent by order id). */
  paymentProviderUnavailable: 'PaymentProviderUnavailable',
  carrierUnavailable: 'CarrierUnavailable',
} as const;

/** Lambda service errors worth retrying (throttles, service hiccups). */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * What Lambda reports when a function runs out of its own timeout (not the Task's TimeoutSeconds,
 * which is States.Timeout): a cold start or a slow dependency, retried like a task time-out.
 */
export const LAMBDA_FUNCTION_TIMEOUT = 'Sandbox.Timedout';

/**
 * Transient errors of the AWS integrations the workflow calls, as Step Functions names them
 * (`<Service>.<error code>`; docs/adr/0017). Each Task state retries its service's list with
 * backoff and full jitter (test/workflow/resilience.test.ts checks every Task state of the
 * synthesized definition). Both spellings Step Functions may report for a query-protocol error
 * (`InternalError` and `InternalErrorException`) are listed.
 */
export const AWS_TRANSIENT_ERRORS = {
  lambda: LAMBDA_TRANSIENT_ERRORS,
  sns: [
    'SNS.InternalError',
    'SNS.InternalErrorException',
    'SNS.ThrottledException',
    'SNS.Throttling',
    'SNS.ServiceUnavailable',
    'SNS.KMSThrottlingException',
    'SNS.SdkClientException',
  ],
  eventBridge: [
    'EventBridge.InternalException',
    'EventBridge.InternalError',
    'EventBridge.ThrottlingException',
    'EventBridge.ServiceUnavailable',
    'EventBridge.SdkClientException',
    // PutEvents answered, but with the entry failed (FailedEntryCount > 0): InternalFailure, ThrottlingException.
    'EventBridge.FailedEntry',
  ],
  sqs: [
    'SQS.InternalError',
    'SQS.InternalErrorException',
    'SQS.ThrottlingException',
    'SQS.RequestThrottled',
    'SQS.ServiceUnavailable',
    'SQS.KmsThrottled',
    'SQS.SdkClientException',
    // What the sqs:sendMessage integration reports for any service error.
    'SQS.AmazonSQSException',
  ],
  /** states:startExecution.sync:2 (ShipOrder, the shipping sub-workflow: docs/adr/0029). */
  stepFunctions: [
    'StepFunctions.ThrottlingException',
    'StepFunctions.ExecutionLimitExceededException',
    'StepFunctions.InternalServerError',
    'StepFunctions.ServiceUnavailable',
    'StepFunctions.SdkClientException',
  ],
  /**
   * The aws-sdk:sfn integration (DescribeExecution of a ShipOrder child that already exists): AWS
   * SDK integrations name errors `Sfn.<Exception>`; SfnException is what an unmodelled 5xx becomes.
   */
  stepFunctionsSdk: [
    'Sfn.ThrottlingException',
    'Sfn.ServiceUnavailableException',
    'Sfn.InternalServerErrorException',
    'Sfn.SdkClientException',
    'Sfn.SfnException',
  ],
  dynamoDb: [
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.ThrottlingException',
    'DynamoDB.RequestLimitExceeded',
    'DynamoDB.InternalServerError',
    'DynamoDB.ServiceUnavailable',
    'DynamoDB.SdkClientException',
  ],
} as const;
export type AwsIntegration = keyof typeof AWS_TRANSIENT_ERRORS;

/**
 * Transient AWS errors a step handler lets through (the SDK's own retries exhausted): the error
 * name the Lambda runtime reports is the SDK exception's name. Every step is idempotent by order
 * id, so the workflow retries them like Lambda's own service errors.
 */
export const HANDLER_AWS_TRANSIENT_ERRORS = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalException',
  'InternalError',
  'TooManyRequestsException',
  'TimeoutError',
] as const;
