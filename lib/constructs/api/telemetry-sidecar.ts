import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AGENT_ENV, XRAY_ENV } from '@securecart/contracts/env';
import { acknowledge } from '../nag';
import type { CheckoutServiceProps } from './checkout-service-props';
import { containerImage, imageReference } from '../../config/container-images';
import { pinnedRegistryImage } from '../pinned-image';

/**
 * The CloudWatch agent sidecar (ECR Public; its tag and digest in lib/config/container-images.json): it receives the service's EMF documents on
 * TCP 25888 and writes them to an encrypted log group, where CloudWatch extracts the metrics (the
 * awslogs driver does not), and relays X-Ray segments (UDP 2000) and OTLP traces to X-Ray.
 * docs/adr/0015-monitoring.md.
 */
export const CLOUDWATCH_AGENT_IMAGE = imageReference(containerImage('cloudwatchAgent'));
export const AGENT_PORTS = { emf: 25888, xray: 2000, otlpGrpc: 4317, otlpHttp: 4318 } as const;
/** The agent's configuration (CW_CONFIG_CONTENT): EMF in, traces (X-Ray daemon protocol and OTLP) in, nothing else collected. */
export const CLOUDWATCH_AGENT_CONFIG = {
  logs: { metrics_collected: { emf: {} } },
  traces: {
    traces_collected: {
      xray: { bind_address: `127.0.0.1:${AGENT_PORTS.xray}` },
      otlp: {
        grpc_endpoint: `127.0.0.1:${AGENT_PORTS.otlpGrpc}`,
        http_endpoint: `127.0.0.1:${AGENT_PORTS.otlpHttp}`,
      },
    },
  },
} as const;

export interface TelemetrySidecarOptions {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The service's container: it starts after the agent and is told where to find it. */
  readonly app: ecs.ContainerDefinition;
  /** The task's log group (the agent's own logs). */
  readonly logGroup: logs.ILogGroup;
  readonly props: CheckoutServiceProps;
}

/**
 * The CloudWatch agent next to the service, created in `scope` (the CheckoutService; not
 * essential: a dead agent never stops the API; the outbox-lag alarm, which treats missing data as
 * breaching, notices the silence). The service finds it through AWS_EMF_AGENT_ENDPOINT /
 * AWS_XRAY_DAEMON_ADDRESS on localhost; its EMF goes to the returned log group (named in each
 * document). The task role gets exactly the log writes and the X-Ray calls the agent makes.
 */
export function addTelemetrySidecar(
  scope: Construct,
  { taskDefinition, app, logGroup, props }: TelemetrySidecarOptions,
): logs.LogGroup {
  const metricsLogGroup = props.key.logGroup(scope, 'MetricsLogs', {
    retentionDays: props.logRetentionDays,
    removalPolicy: props.removalPolicy,
  });
  const agent = taskDefinition.addContainer('cloudwatch-agent', {
    containerName: 'cloudwatch-agent',
    image: pinnedRegistryImage(scope, 'cloudwatchAgent'),
    essential: false,
    memoryReservationMiB: 64,
    environment: { CW_CONFIG_CONTENT: JSON.stringify(CLOUDWATCH_AGENT_CONFIG) },
    logging: ecs.LogDrivers.awsLogs({
      logGroup,
      streamPrefix: 'cloudwatch-agent',
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(4),
    }),
  });
  app.addContainerDependencies({ container: agent, condition: ecs.ContainerDependencyCondition.START });
  app.addEnvironment(AGENT_ENV.endpoint, `tcp://127.0.0.1:${AGENT_PORTS.emf}`);
  app.addEnvironment(AGENT_ENV.logGroupName, metricsLogGroup.logGroupName);
  app.addEnvironment(XRAY_ENV.daemonAddress, `127.0.0.1:${AGENT_PORTS.xray}`);

  const role = taskDefinition.taskRole;
  metricsLogGroup.grantWrite(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ],
      resources: ['*'],
    }),
  );
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy) {
    acknowledge(policy, {
      'AwsSolutions-IAM5[Resource::*]':
        "X-Ray: the CloudWatch agent sidecar's PutTraceSegments, PutTelemetryRecords and sampling calls support no resource-level permissions.",
    });
  }
  return metricsLogGroup;
}
