import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { TierKey } from './encryption';

const PROJECT_ROOT = path.join(__dirname, '..', '..');
export const LAMBDA_ROOT = path.join(PROJECT_ROOT, 'lambda');

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
  /** @default 256 MiB */
  readonly memorySize?: number;
}

/**
 * A pipeline handler: `NodejsFunction` from `lambda/<step>/index.ts`, nodejs22.x on ARM64, bundled
 * by esbuild (no Docker) with its SDK clients, minified with source maps; JSON logs to its own
 * KMS-encrypted log group; X-Ray tracing; a role that can write only to that log group until
 * the stack grants it more.
 */
export class PipelineFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const logGroup = props.key.logGroup(this, 'Logs', { retentionDays: props.logRetentionDays, removalPolicy: props.removalPolicy });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `SecureCart ${props.step} handler`,
    });
    logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(LAMBDA_ROOT, props.step, 'index.ts'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.step,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
        // Bundle the SDK v3 clients instead of using the runtime's copy: pinned versions, smaller cold start.
        externalModules: [],
        mainFields: ['module', 'main'],
        // Lambda hands the role's credentials over in environment variables: swap the SDK's default
        // credential chain for the environment provider (about 90 KB less per bundle; ADR 0007).
        esbuildArgs: { '--alias:@aws-sdk/credential-provider-node': path.join(LAMBDA_ROOT, 'shared', 'env-credentials.ts') },
      },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'SecureCart pins nodejs22.x (DESIGN.md section 6) so handlers run on the same major as CI and the local engines; moving to nodejs24.x is a deliberate upgrade.',
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
      });
    }
  }
}
