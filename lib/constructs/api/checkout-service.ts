import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { Observable } from '../ops-alarms';
import { observeCheckoutService } from './checkout-monitoring';
import type { CheckoutServiceProps } from './checkout-service-props';
import { createCheckoutTask, DATABASE_NAME, DATABASE_USER, grantServiceAccess } from './checkout-task';
import { DatabaseUserBootstrap } from './database-user-bootstrap';
import { createInternalLoadBalancer } from './internal-load-balancer';

// The pieces live next door (each creates its resources in this construct, so ids and paths are
// the construct's own); they share the props through checkout-service-props.ts, never by importing
// this file. Their constants, and the props, stay importable from here.
export type { CheckoutServiceProps } from './checkout-service-props';
export { OUTBOX_LAG_ALARM_SECONDS } from './checkout-monitoring';
export { CHECKOUT_CONTAINER_PORT, DATABASE_NAME, DATABASE_USER, HEALTH_PATHS } from './checkout-task';
export { ALB_LISTENER_PORT, ALB_TLS_LISTENER_PORT } from './internal-load-balancer';
export { AGENT_PORTS, CLOUDWATCH_AGENT_CONFIG, CLOUDWATCH_AGENT_IMAGE } from './telemetry-sidecar';

/**
 * The checkout service: an ECS cluster with Container Insights, the Fargate service on ARM64 in
 * the app subnets (circuit breaker with rollback, autoscaling on CPU and ALB requests per task),
 * its task role with exactly the table, queue, key and `rds-db:connect` actions the service uses,
 * the one-off task that creates its IAM database user (DML only) and migrates as the schema's owner, and the internal ALB in front of it
 * (access logs, invalid header fields dropped, the origin header checked by the listener).
 *
 * The task definition and its sidecar are in checkout-task.ts and telemetry-sidecar.ts, the ALB
 * in internal-load-balancer.ts, the alarms and widgets in checkout-monitoring.ts.
 */
export class CheckoutService extends Construct implements Observable {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The listener rule that forwards only requests carrying the origin header. */
  readonly originRule: elbv2.ApplicationListenerRule;
  readonly accessLogs: s3.Bucket;
  /** The ALB listener's port (443 with backend TLS, else 80). */
  readonly listenerPort: number;
  /** Where API Gateway sends requests: `https://<internal name>` or `http://<ALB DNS name>`. */
  readonly origin: string;
  readonly bootstrap: DatabaseUserBootstrap;
  /** Where the CloudWatch agent writes the service's EMF documents (the metrics are extracted from it). */
  metricsLogGroup: logs.LogGroup;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: CheckoutServiceProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: `${props.prefix}-checkout`,
      // Billed per metric and per GB of performance logs: a profile setting (ADR 27).
      containerInsightsV2: props.sizing.containerInsights
        ? ecs.ContainerInsights.ENABLED
        : ecs.ContainerInsights.DISABLED,
      enableFargateCapacityProviders: props.sizing.spot,
    });

    if (!props.sizing.containerInsights) {
      acknowledge(this.cluster, {
        'AwsSolutions-ECS4':
          'Container Insights is a profile setting, off in the sandbox to save its metric and log charges (ADR 27); the no-running-task alarm watches the service metrics ECS publishes without it.',
      });
    }

    // Used as an immutable import: CDK would otherwise put the ALB rules into the Network stack
    // (where the group lives), making Network depend on this stack. The one ingress rule is
    // written explicitly (internal-load-balancer.ts); the group's egress is the Network stack's.
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
      image: props.image,
      securityGroup: tasksSecurityGroup,
      subnets: props.subnets,
      key: props.key,
      logRetentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });

    ({ taskDefinition: this.taskDefinition, metricsLogGroup: this.metricsLogGroup } = createCheckoutTask(this, props));
    grantServiceAccess(props, this.taskDefinition.taskRole);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      serviceName: `${props.prefix}-checkout-api`,
      taskDefinition: this.taskDefinition,
      desiredCount: props.sizing.desiredTasks,
      // Fargate Spot in the sandbox (ADR 27): interruptible, about 70% cheaper.
      ...(props.sizing.spot ? { capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] } : {}),
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
    // Start the database bootstrap before the first task (RunTask does not wait for it: a task that
    // starts first stays unready until its migrations are applied; see DatabaseUserBootstrap).
    this.service.node.addDependency(this.bootstrap.trigger);

    ({
      accessLogs: this.accessLogs,
      loadBalancer: this.loadBalancer,
      listener: this.listener,
      targetGroup: this.targetGroup,
      listenerPort: this.listenerPort,
      origin: this.origin,
      originRule: this.originRule,
    } = createInternalLoadBalancer(this, props, { service: this.service, tasksSecurityGroup }));

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

    ({ alarms: this.alarms, widgets: this.widgets } = observeCheckoutService(this, props));
  }
}
