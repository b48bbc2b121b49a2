import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { TierKey } from './encryption';
import { handlerCode } from './handler-bundles';
import { acknowledge } from './nag';

/** DynamoDB item actions that only read; a handler limited to these gets a read-only key grant. */
const READ_ACTIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

export interface PipelineFunctionProps {
  /** The handler's folder under `lambda/`, which is also its workflow step name. */
  readonly step: string;
  readonly description: string;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly environment?: Record<string, string>;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** Why the role's other `Resource: *` grants (added later) need it; joins the X-Ray reason. */
  readonly otherWildcards?: string;
}

/**
 * A pipeline handler: `NodejsFunction` from `lambda/<step>/index.ts`, nodejs22.x on ARM64, bundled
 * by esbuild (no Docker, one build for all handlers: see handler-bundles.ts) with its SDK clients,
 * minified with source maps; JSON logs to its own
 * KMS-encrypted log group; X-Ray tracing; a role that can write only to that log group until
 * the stack grants it more.
 */
export class PipelineFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly step: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.step = props.step;
    const logGroup = props.key.logGroup(this, 'Logs', {
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `SecureCart ${props.step} handler`,
    });
    logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      code: handlerCode(this, props.step),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.step,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    acknowledge(this.fn, {
      'AwsSolutions-L1':
        'SecureCart pins nodejs22.x (DESIGN.md section 6) so handlers run on the same major as CI and the local engines; moving to nodejs24.x is a deliberate upgrade.',
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledge(policy, {
        'AwsSolutions-IAM5[Resource::*]': [
          'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
          ...(props.otherWildcards ? [props.otherWildcards] : []),
        ].join(' '),
      });
    }
  }

  /**
   * Grants exactly these DynamoDB item actions (e.g. `GetItem`, `UpdateItem`) on the table, and on
   * its customer-managed key what DynamoDB needs for them: readers `kms:Decrypt` and
   * `kms:DescribeKey`, writers also `kms:Encrypt` and `kms:GenerateDataKey` (as CDK's
   * `grantReadData`/`grantWriteData` do, minus the wildcards).
   */
  grantTableItems(table: dynamodb.ITable, ...itemActions: string[]): void {
    table.grant(this.fn, ...itemActions.map((a) => `dynamodb:${a}`));
    const readOnly = itemActions.every((a) => READ_ACTIONS.has(a));
    const keyActions = readOnly
      ? ['kms:Decrypt', 'kms:DescribeKey']
      : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
    table.encryptionKey?.grant(this.fn, ...keyActions);
  }

  /** Errors and throttles of this function, per minute. */
  metrics(): cloudwatch.IMetric[] {
    const period = Duration.minutes(1);
    return [
      this.fn.metricErrors({ period, label: `${this.step} errors` }),
      this.fn.metricThrottles({ period, label: `${this.step} throttles` }),
    ];
  }
}
