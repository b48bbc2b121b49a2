import { Aws, Duration, Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { HTTP_API } from '@securecart/contracts/http-api';
import { METRICS_NAMESPACE } from '@securecart/contracts/metrics';
import { acknowledge } from '../nag';
import type { CheckoutServiceProps } from './checkout-service-props';
import { SERVICE_IMAGE_USER } from './database-user-bootstrap';
import { addTelemetrySidecar } from './telemetry-sidecar';

/** The port the service listens on (CHECKOUT_ENV.port) and the ALB's target port. */
export const CHECKOUT_CONTAINER_PORT = 8080;
/** The service's health routes (HTTP_API): readiness for the ALB, liveness for the container's check. */
export const HEALTH_PATHS = { ready: HTTP_API.ready.path, live: HTTP_API.live.path } as const;
/** The PostgreSQL user the service connects as, with IAM authentication: DML only (ADR 22). */
export const DATABASE_USER = 'checkout_api';
/** The database PostgresDatabase creates (its `databaseName`). */
export const DATABASE_NAME = 'securecart';
/** How long a stopping task may drain (ECS stop timeout; the service's own drain timeout is shorter). */
export const STOP_TIMEOUT = Duration.seconds(30);
const SHUTDOWN_TIMEOUT = Duration.seconds(25);

export interface CheckoutTask {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** Where the CloudWatch agent sidecar writes the service's EMF documents. */
  readonly metricsLogGroup: logs.LogGroup;
}

/**
 * The checkout service's task definition, created in `scope` (the CheckoutService): ARM64, the
 * `checkout-api` container (read-only root file system, liveness health check, non-blocking
 * awslogs) and the CloudWatch agent sidecar (telemetry-sidecar.ts).
 */
export function createCheckoutTask(scope: Construct, props: CheckoutServiceProps): CheckoutTask {
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    family: `${props.prefix}-checkout-api`,
    cpu: props.sizing.cpu,
    memoryLimitMiB: props.sizing.memoryMiB,
    runtimePlatform: {
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
  });
  const logGroup = props.key.logGroup(scope, 'Logs', {
    retentionDays: props.logRetentionDays,
    removalPolicy: props.removalPolicy,
  });
  const app = taskDefinition.addContainer('checkout-api', {
    containerName: 'checkout-api',
    image: props.image,
    portMappings: [{ containerPort: CHECKOUT_CONTAINER_PORT, name: props.backendTls ? 'https' : 'http' }],
    environment: checkoutEnvironment(props),
    readonlyRootFilesystem: true,
    user: SERVICE_IMAGE_USER,
    stopTimeout: STOP_TIMEOUT,
    logging: ecs.LogDrivers.awsLogs({
      logGroup,
      streamPrefix: 'checkout-api',
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    }),
    // Liveness restarts a hung process; readiness (database, migrations) is the ALB's check.
    healthCheck: {
      command: ['CMD', 'node', '-e', livenessProbe(!!props.backendTls)],
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      retries: 3,
      startPeriod: Duration.seconds(30),
    },
  });
  const metricsLogGroup = addTelemetrySidecar(scope, { taskDefinition, app, logGroup, props });
  const executionPolicy = taskDefinition.obtainExecutionRole().node.tryFindChild('DefaultPolicy');
  if (executionPolicy) {
    acknowledge(executionPolicy, {
      'AwsSolutions-IAM5[Resource::*]':
        'ecr:GetAuthorizationToken (pulling the image) supports no resource-level permissions; the pull actions name the checkout repository.',
    });
  }
  acknowledge(taskDefinition, {
    'AwsSolutions-ECS2':
      'The environment holds resource names, endpoints and ids (tables, queues, database host, user pool); the service has no secrets: it authenticates to PostgreSQL with IAM tokens.',
  });
  return { taskDefinition, metricsLogGroup };
}

/**
 * The task role: exactly what services/checkout-api/src does. Catalog: Scan (catalog.ts); Carts:
 * GetItem, PutItem (carts.ts); ProductAffinity: Query, GetItem (the recommendations); orders.fifo: SendMessage (SendMessageBatch, outbox-relay.ts);
 * order-status: ReceiveMessage, DeleteMessage (DeleteMessageBatch, status-consumer.ts); the keys
 * those need; `rds-db:connect` as DATABASE_USER on the primary and the replica (db.ts).
 */
export function grantServiceAccess(props: CheckoutServiceProps, role: iam.IGrantable): void {
  props.catalogTable.grant(role, 'dynamodb:Scan');
  props.cartsTable.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem');
  props.productAffinityTable.grant(role, 'dynamodb:Query', 'dynamodb:GetItem');
  const tableKeys = new Set([
    props.catalogTable.encryptionKey,
    props.cartsTable.encryptionKey,
    props.productAffinityTable.encryptionKey,
  ]);
  for (const key of tableKeys) key?.grant(role, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');

  // GetQueueAttributes: readiness checks that each queue exists (services/checkout-api, readiness.ts).
  props.ordersQueue.grant(role, 'sqs:SendMessage', 'sqs:GetQueueAttributes');
  props.ordersQueue.encryptionMasterKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
  props.orderStatusQueue.grant(role, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');
  props.orderStatusQueue.encryptionMasterKey?.grant(role, 'kms:Decrypt');

  props.database.instance.grantConnect(role, DATABASE_USER);
  props.database.replica?.grantConnect(role, DATABASE_USER);
}

/**
 * The container's liveness check, run by `node -e`. Over HTTPS it talks to its own loopback and
 * its own self-signed certificate, so it does not verify it (nothing to verify it against).
 */
function livenessProbe(tls: boolean): string {
  const target = `host: '127.0.0.1', port: ${CHECKOUT_CONTAINER_PORT}, path: '${HEALTH_PATHS.live}'`;
  const exit = '(r) => process.exit(r.statusCode === 200 ? 0 : 1)';
  return tls
    ? `require('node:https').get({ ${target}, rejectUnauthorized: false }, ${exit}).on('error', () => process.exit(1))`
    : `require('node:http').get({ ${target} }, ${exit}).on('error', () => process.exit(1))`;
}

/** Every variable the service reads (CHECKOUT_ENV, @securecart/contracts/env) that this deployment decides. */
function checkoutEnvironment(props: CheckoutServiceProps): Record<string, string> {
  const E = CHECKOUT_ENV;
  const { instance, replica } = props.database;
  return {
    [E.port]: String(CHECKOUT_CONTAINER_PORT),
    [E.host]: '0.0.0.0',
    [E.tlsSelfSigned]: String(!!props.backendTls),
    [E.logLevel]: 'info',
    [E.region]: Aws.REGION,
    [E.catalogTable]: props.catalogTable.tableName,
    [E.cartsTable]: props.cartsTable.tableName,
    [E.productAffinityTable]: props.productAffinityTable.tableName,
    [E.ordersQueueUrl]: props.ordersQueue.queueUrl,
    [E.orderStatusQueueUrl]: props.orderStatusQueue.queueUrl,
    [E.dbHost]: instance.dbInstanceEndpointAddress,
    ...(replica ? { [E.dbReaderHost]: replica.dbInstanceEndpointAddress } : {}),
    [E.dbPort]: instance.dbInstanceEndpointPort,
    [E.dbName]: DATABASE_NAME,
    [E.dbUser]: DATABASE_USER,
    // The bootstrap task migrates as the schema's owner; this user may not (ADR 22).
    [E.runMigrations]: 'false',
    [E.userPoolId]: props.userPoolId,
    [E.clientId]: props.userPoolClientId,
    [E.outboxRelayEnabled]: 'true',
    [E.statusConsumerEnabled]: 'true',
    [E.metricsNamespace]: METRICS_NAMESPACE,
    [E.shutdownTimeoutMs]: String(SHUTDOWN_TIMEOUT.toMilliseconds()),
  };
}
