import { Aws, CfnResource, Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHECKOUT_METRIC_DIMENSIONS,
  CHECKOUT_SERVICE_NAME,
  METRIC_NAMES,
  METRICS_NAMESPACE,
} from '../../contracts/metrics';
import { CHECKOUT_ENV } from '../../../services/checkout-api/src/config';
import { AGENT_ENV, XRAY_ENV } from '../../../services/checkout-api/src/metrics';
import { Profile } from '../../config/profiles';
import { TierKey } from '../encryption';
import { Observable, OpsAlarms, RUNBOOKS } from '../ops-alarms';
import { DatabaseUserBootstrap } from './database-user-bootstrap';
import { OriginVerifySecret } from './origin-verify';
import { acknowledge } from '../nag';

/** The port the service listens on (CHECKOUT_ENV.port) and the ALB's target port. */
export const CHECKOUT_CONTAINER_PORT = 8080;
/** The port of the internal ALB's listener (HTTP inside the VPC; see ADR 13). */
export const ALB_LISTENER_PORT = 80;
export const HEALTH_PATHS = { ready: '/api/health/ready', live: '/api/health/live' } as const;
/** The PostgreSQL user the service connects as, with IAM authentication. */
export const DATABASE_USER = 'checkout_api';
/** The database PostgresDatabase creates (its `databaseName`). */
export const DATABASE_NAME = 'securecart';
/** How long a stopping task may drain (ECS stop timeout; the service's own drain timeout is shorter). */
const STOP_TIMEOUT = Duration.seconds(30);
const SHUTDOWN_TIMEOUT = Duration.seconds(25);

/**
 * The CloudWatch agent sidecar (ECR Public, pinned): it receives the service's EMF documents on
 * TCP 25888 and writes them to an encrypted log group, where CloudWatch extracts the metrics (the
 * awslogs driver does not), and relays X-Ray segments (UDP 2000) and OTLP traces to X-Ray.
 * docs/adr/0015-monitoring.md.
 */
export const CLOUDWATCH_AGENT_IMAGE = 'public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766';
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
/** Outbox lag (seconds) at or above which orders count as delayed (orders.fifo's age alarm uses the same 5 minutes). */
export const OUTBOX_LAG_ALARM_SECONDS = 300;

export interface CheckoutServiceProps {
  /** `securecart-<profile>`: the prefix of physical names. */
  readonly prefix: string;
  readonly profileName: string;
  readonly vpc: ec2.IVpc;
  /** The app subnets: the tasks, the ALB and the bootstrap task run here. */
  readonly subnets: ec2.SubnetSelection;
  /** The tasks' security group (from the Network stack; the database admits it). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly sizing: Profile['checkout'];
  readonly image: ecs.ContainerImage;
  readonly catalogTable: dynamodb.ITable;
  readonly cartsTable: dynamodb.ITable;
  readonly ordersQueue: sqs.IQueue;
  readonly orderStatusQueue: sqs.IQueue;
  readonly database: { readonly instance: rds.DatabaseInstance; readonly replica?: rds.IDatabaseInstance };
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** Only requests carrying this header reach the service through the ALB. */
  readonly originVerify: OriginVerifySecret;
  /** The Api tier key: container, bootstrap and nothing else's logs. */
  readonly key: TierKey;
  readonly alarms: OpsAlarms;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

/**
 * The checkout service: an ECS cluster with Container Insights, the Fargate service on ARM64 in
 * the app subnets (circuit breaker with rollback, autoscaling on CPU and ALB requests per task),
 * its task role with exactly the table, queue, key and `rds-db:connect` actions the service uses,
 * the one-off task that creates its IAM database user, and the internal ALB in front of it
 * (access logs, invalid header fields dropped, the origin header checked by the listener).
 */
export class CheckoutService extends Construct implements Observable {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly accessLogs: s3.Bucket;
  readonly bootstrap: DatabaseUserBootstrap;
  /** Where the CloudWatch agent writes the service's EMF documents (the metrics are extracted from it). */
  metricsLogGroup!: logs.LogGroup;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: CheckoutServiceProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: `${props.prefix}-checkout`,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    // Used as an immutable import: CDK would otherwise put the ALB rules into the Network stack
    // (where the group lives), making Network depend on this stack. The one ingress rule is
    // written here explicitly (below); the group's egress is the Network stack's.
    const tasksSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'TasksSecurityGroup',
      props.securityGroup.securityGroupId,
      { mutable: false },
    );

    this.bootstrap = new DatabaseUserBootstrap(this, 'DatabaseUser', {
      family: `${props.prefix}-db-bootstrap`,
      cluster: this.cluster,
      instance: props.database.instance,
      databaseName: DATABASE_NAME,
      user: DATABASE_USER,
      securityGroup: tasksSecurityGroup,
      subnets: props.subnets,
      key: props.key,
      logRetentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });

    this.taskDefinition = this.createTaskDefinition(props);
    this.grantServiceAccess(props, this.taskDefinition.taskRole);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      serviceName: `${props.prefix}-checkout-api`,
      taskDefinition: this.taskDefinition,
      desiredCount: props.sizing.desiredTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: props.subnets,
      securityGroups: [tasksSecurityGroup],
      assignPublicIp: false,
      healthCheckGracePeriod: Duration.seconds(60),
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // Start creating the IAM database user before the first task (RunTask does not wait for it:
    // a task that starts first fails to connect and ECS replaces it; see DatabaseUserBootstrap).
    this.service.node.addDependency(this.bootstrap.trigger);

    this.accessLogs = this.createAccessLogBucket(props);
    ({ loadBalancer: this.loadBalancer, listener: this.listener } = this.createLoadBalancer(props));
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: CHECKOUT_CONTAINER_PORT,
      deregistrationDelay: STOP_TIMEOUT,
      healthCheck: {
        path: HEALTH_PATHS.ready,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    this.service.attachToApplicationTargetGroup(this.targetGroup); // the ALB's egress rule to the tasks
    new ec2.CfnSecurityGroupIngress(this, 'TasksFromLoadBalancer', {
      groupId: tasksSecurityGroup.securityGroupId,
      sourceSecurityGroupId: this.loadBalancer.connections.securityGroups[0].securityGroupId,
      ipProtocol: 'tcp',
      fromPort: CHECKOUT_CONTAINER_PORT,
      toPort: CHECKOUT_CONTAINER_PORT,
      description: 'checkout-api from the internal ALB only',
    });
    // Only requests that came through CloudFront (and so API Gateway) carry the origin header.
    this.listener.addTargetGroups('FromCloudFront', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.httpHeader(props.originVerify.headerName, [props.originVerify.value])],
      targetGroups: [this.targetGroup],
    });

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.sizing.minTasks,
      maxCapacity: props.sizing.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.sizing.targetCpuPercent,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(5),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.sizing.targetRequestsPerTask,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(5),
    });

    ({ alarms: this.alarms, widgets: this.widgets } = this.observe(props));
  }

  private createTaskDefinition(props: CheckoutServiceProps): ecs.FargateTaskDefinition {
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: `${props.prefix}-checkout-api`,
      cpu: props.sizing.cpu,
      memoryLimitMiB: props.sizing.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = props.key.logGroup(this, 'Logs', {
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const app = taskDefinition.addContainer('checkout-api', {
      containerName: 'checkout-api',
      image: props.image,
      portMappings: [{ containerPort: CHECKOUT_CONTAINER_PORT, name: 'http' }],
      environment: checkoutEnvironment(props),
      readonlyRootFilesystem: true,
      stopTimeout: STOP_TIMEOUT,
      logging: ecs.LogDrivers.awsLogs({
        logGroup,
        streamPrefix: 'checkout-api',
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      // Liveness restarts a hung process; readiness (database, migrations) is the ALB's check.
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${CHECKOUT_CONTAINER_PORT}${HEALTH_PATHS.live}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
    });
    this.addTelemetrySidecar(taskDefinition, app, logGroup, props);
    const executionPolicy = taskDefinition.obtainExecutionRole().node.tryFindChild('DefaultPolicy');
    if (executionPolicy) {
      acknowledge(executionPolicy, {
        'AwsSolutions-IAM5[Resource::*]':
          'ecr:GetAuthorizationToken (pulling the image) supports no resource-level permissions; the pull actions name the checkout repository.',
      });
    }
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds resource names, endpoints and ids (tables, queues, database host, user pool); the service has no secrets: it authenticates to PostgreSQL with IAM tokens.',
    });
    return taskDefinition;
  }

  /**
   * The CloudWatch agent next to the service (not essential: a dead agent never stops the API; the
   * outbox-lag alarm, which treats missing data as breaching, notices the silence). The service
   * finds it through AWS_EMF_AGENT_ENDPOINT / AWS_XRAY_DAEMON_ADDRESS on localhost; its EMF goes
   * to `metricsLogGroup` (named in each document). The task role gets exactly the log writes and
   * the X-Ray calls the agent makes.
   */
  private addTelemetrySidecar(
    taskDefinition: ecs.FargateTaskDefinition,
    app: ecs.ContainerDefinition,
    logGroup: logs.ILogGroup,
    props: CheckoutServiceProps,
  ) {
    this.metricsLogGroup = props.key.logGroup(this, 'MetricsLogs', {
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const agent = taskDefinition.addContainer('cloudwatch-agent', {
      containerName: 'cloudwatch-agent',
      image: ecs.ContainerImage.fromRegistry(CLOUDWATCH_AGENT_IMAGE),
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
    app.addEnvironment(AGENT_ENV.logGroupName, this.metricsLogGroup.logGroupName);
    app.addEnvironment(XRAY_ENV.daemonAddress, `127.0.0.1:${AGENT_PORTS.xray}`);

    const role = taskDefinition.taskRole;
    this.metricsLogGroup.grantWrite(role);
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
  }

  /**
   * The task role: exactly what services/checkout-api/src does. Catalog: Scan (catalog.ts); Carts:
   * GetItem, PutItem (carts.ts); orders.fifo: SendMessage (SendMessageBatch, outbox-relay.ts);
   * order-status: ReceiveMessage, DeleteMessage (DeleteMessageBatch, status-consumer.ts); the keys
   * those need; `rds-db:connect` as DATABASE_USER on the primary and the replica (db.ts).
   */
  private grantServiceAccess(props: CheckoutServiceProps, role: iam.IGrantable) {
    props.catalogTable.grant(role, 'dynamodb:Scan');
    props.cartsTable.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem');
    const tableKeys = new Set([props.catalogTable.encryptionKey, props.cartsTable.encryptionKey]);
    for (const key of tableKeys)
      key?.grant(role, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');

    props.ordersQueue.grant(role, 'sqs:SendMessage');
    props.ordersQueue.encryptionMasterKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    props.orderStatusQueue.grant(role, 'sqs:ReceiveMessage', 'sqs:DeleteMessage');
    props.orderStatusQueue.encryptionMasterKey?.grant(role, 'kms:Decrypt');

    props.database.instance.grantConnect(role, DATABASE_USER);
    props.database.replica?.grantConnect(role, DATABASE_USER);
  }

  private createAccessLogBucket(props: CheckoutServiceProps): s3.Bucket {
    // ALB access logs support only SSE-S3 on the target bucket, not SSE-KMS.
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(Math.max(props.logRetentionDays, 1)) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });
    acknowledge(bucket, {
      'AwsSolutions-S1':
        'This bucket is itself the access log of the internal ALB; logging its own accesses to another bucket would only add a log of the log.',
    });
    return bucket;
  }

  private createLoadBalancer(props: CheckoutServiceProps) {
    const securityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: `SecureCart ${props.profileName} internal ALB: in from the API Gateway VPC link only, out to the checkout tasks only`,
      allowAllOutbound: false,
    });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: false,
      securityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection,
      idleTimeout: Duration.seconds(60),
    });
    enableAccessLogs(loadBalancer, this.accessLogs, 'alb');
    const listener = loadBalancer.addListener('Http', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: ALB_LISTENER_PORT,
      // Ingress comes from the VPC link's security group only (CheckoutRestApi), never 0.0.0.0/0.
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, {
        contentType: 'application/json',
        messageBody: JSON.stringify({ statusCode: 403, error: 'Forbidden', message: 'Use the storefront API' }),
      }),
    });
    return { loadBalancer, listener };
  }

  private observe(props: CheckoutServiceProps): Observable {
    const period = Duration.minutes(1);
    const dimensionsMap = { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName };
    const insights = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap,
        statistic: 'Minimum',
        period,
        label,
      });
    const running = insights('RunningTaskCount', 'running tasks');
    // Missing data counts as no task: an alarm on "< 1" built from OpsAlarms' ">= threshold".
    const noTask = new cloudwatch.MathExpression({
      expression: 'IF(FILL(running, 0) < 1, 1, 0)',
      usingMetrics: { running },
      period,
      label: 'no running task',
    });
    const unhealthy = this.targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period });
    const serviceMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { [CHECKOUT_METRIC_DIMENSIONS.service]: CHECKOUT_SERVICE_NAME },
        statistic,
        period,
        label,
      });
    const outboxLag = serviceMetric(METRIC_NAMES.outboxLag, 'Maximum', 'outbox lag (s)');
    const alarms = [
      // The relay reports its lag every minute, also when it is 0: silence means the relay, or the
      // agent carrying its metrics, stopped, so missing data breaches.
      props.alarms.alarm(this, 'OutboxLag', {
        metric: outboxLag.with({ period: Duration.minutes(5) }),
        summary: `${props.prefix}-checkout-api: the oldest unsent order in the outbox is ${OUTBOX_LAG_ALARM_SECONDS / 60} minutes old or more (or no lag reported) for 10 minutes; accepted orders are not reaching orders.fifo`,
        runbook: RUNBOOKS.outboxLag,
        threshold: OUTBOX_LAG_ALARM_SECONDS,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      props.alarms.alarm(this, 'NoRunningTask', {
        metric: noTask,
        summary: `${props.prefix}-checkout-api has no running task (Container Insights RunningTaskCount < 1): the API answers 503`,
        runbook: RUNBOOKS.checkoutNoRunningTask,
        threshold: 1,
        evaluationPeriods: 2,
      }),
      props.alarms.alarm(this, 'UnhealthyTargets', {
        metric: unhealthy,
        summary: `${props.prefix} internal ALB has unhealthy checkout targets (readiness ${HEALTH_PATHS.ready} failing)`,
        runbook: RUNBOOKS.checkoutUnhealthyTargets,
        threshold: 1,
        evaluationPeriods: 3,
      }),
    ];
    const lb = this.loadBalancer.metrics;
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'checkout-api: running and desired tasks',
        left: [running, insights('DesiredTaskCount', 'desired tasks')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'checkout-api: CPU and memory (%)',
        left: [
          this.service.metricCpuUtilization({ period, label: 'CPU' }),
          this.service.metricMemoryUtilization({ period, label: 'memory' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'internal ALB: requests, target 5xx, unhealthy targets',
        left: [lb.requestCount({ period, label: 'requests' })],
        right: [
          lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, label: 'target 5xx' }),
          unhealthy.with({ label: 'unhealthy targets' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'internal ALB: target response time p99 (s)',
        left: [lb.targetResponseTime({ period, statistic: 'p99', label: 'p99' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'checkout-api outbox: lag (s) and unsent orders',
        left: [outboxLag],
        leftAnnotations: [{ value: OUTBOX_LAG_ALARM_SECONDS, label: 'alarm', color: '#d62728' }],
        right: [serviceMetric(METRIC_NAMES.outboxUnsent, 'Maximum', 'unsent orders')],
        width: 12,
      }),
    ];
    return { alarms, widgets };
  }
}

/** Every variable the service reads that this deployment decides (services/checkout-api/src/config.ts). */
function checkoutEnvironment(props: CheckoutServiceProps): Record<string, string> {
  const E = CHECKOUT_ENV;
  const { instance, replica } = props.database;
  return {
    [E.port]: String(CHECKOUT_CONTAINER_PORT),
    [E.host]: '0.0.0.0',
    [E.logLevel]: 'info',
    [E.region]: Aws.REGION,
    [E.catalogTable]: props.catalogTable.tableName,
    [E.cartsTable]: props.cartsTable.tableName,
    [E.ordersQueueUrl]: props.ordersQueue.queueUrl,
    [E.orderStatusQueueUrl]: props.orderStatusQueue.queueUrl,
    [E.dbHost]: instance.dbInstanceEndpointAddress,
    ...(replica ? { [E.dbReaderHost]: replica.dbInstanceEndpointAddress } : {}),
    [E.dbPort]: instance.dbInstanceEndpointPort,
    [E.dbName]: DATABASE_NAME,
    [E.dbUser]: DATABASE_USER,
    [E.runMigrations]: 'true',
    [E.userPoolId]: props.userPoolId,
    [E.clientId]: props.userPoolClientId,
    [E.outboxRelayEnabled]: 'true',
    [E.statusConsumerEnabled]: 'true',
    [E.metricsNamespace]: METRICS_NAMESPACE,
    [E.shutdownTimeoutMs]: String(SHUTDOWN_TIMEOUT.toMilliseconds()),
  };
}

/**
 * ALB access logs to `bucket/prefix`. CDK's `logAccessLogs` needs a concrete region (it picks the
 * legacy per-region ELB account); these stacks are environment-agnostic, and since September 2025
 * the log delivery service principal works in every region, so the policy names that.
 */
function enableAccessLogs(loadBalancer: elbv2.ApplicationLoadBalancer, bucket: s3.Bucket, prefix: string) {
  loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
  loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAlbAccessLogDelivery',
      principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`)],
    }),
  );
  // ELB checks that it can write when the attribute is set: the policy must exist first.
  const policy = bucket.policy?.node.defaultChild as CfnResource | undefined;
  if (policy) (loadBalancer.node.defaultChild as CfnResource).addResourceDependency(policy);
}
