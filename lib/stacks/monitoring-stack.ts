import { Aws, CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { Observable } from '../constructs/ops-alarms';
import { AuditTrail } from '../constructs/monitoring/audit-trail';
import { businessWidgets } from '../constructs/monitoring/business-metrics';
import { DashboardSection, OrderDashboard } from '../constructs/monitoring/order-dashboard';
import { ApiStack } from './api-stack';
import { DataStack } from './data-stack';
import { FrontendStack } from './frontend-stack';
import { PipelineStack } from './pipeline-stack';

export interface MonitoringStackProps extends StackProps {
  readonly profile: Profile;
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  /** Where the profile has the api tier. */
  readonly api?: ApiStack;
  /** Where the profile has the frontend tier: the storefront's CloudFront metrics (us-east-1). */
  readonly frontend?: FrontendStack;
}

/**
 * Monitoring (docs/adr/0015-monitoring.md): ONE dashboard that follows an order, assembled from
 * the widgets and alarms the flows and stacks hand out, with an alarm-status widget; the data
 * tier's alarms (the Data stack is deployed before the ops topic exists, so they are made here
 * from PostgresDatabase's metrics, through the Pipeline stack's OpsAlarms); and, where the profile
 * enables it, the CloudTrail audit trail. Deployed last in the app's region.
 */
export class MonitoringStack extends Stack {
  readonly dashboard: OrderDashboard;
  /** The data tier's alarms, made here (they notify the ops topic like every other alarm). */
  readonly alarms: cloudwatch.IAlarm[];
  readonly audit?: AuditTrail;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { profile, data, pipeline, api, frontend } = props;
    const prefix = `securecart-${profile.name}`;
    const dataObservable = data.observe(this, pipeline.alarms);
    this.alarms = dataObservable.alarms;

    const section = (
      flow: DashboardSection['flow'],
      title: string,
      description: string,
      observable: Observable,
    ): DashboardSection => ({ flow, title, description, observable });
    const sections: DashboardSection[] = [
      ...(frontend
        ? [
            section(
              'edge',
              'Edge: CloudFront (us-east-1)',
              'Customers reach the storefront and /api/* through CloudFront; its alarms live in us-east-1 (EdgeMonitoring).',
              { alarms: [], widgets: edgeWidgets(frontend) },
            ),
          ]
        : []),
      ...(api
        ? [
            section('api', 'API: REST API (and its WAF)', 'CloudFront → API Gateway: requests, 4xx/5xx, latency p99.', {
              alarms: api.restApi.alarms.concat(api.waf?.alarms ?? []),
              widgets: api.restApi.widgets.concat(api.waf?.widgets ?? []),
            }),
            section(
              'service',
              'Checkout service (ECS Fargate) and its outbox',
              'The service accepts the order, writes it with its outbox row, relays it to orders.fifo, and mirrors every status.',
              api.checkout,
            ),
          ]
        : []),
      section(
        'intake',
        'Intake: orders.fifo → start-fulfillment',
        'One execution per order; poison messages are sidelined to the DLQ at once.',
        pipeline.intake,
      ),
      section(
        'workflow',
        'Workflow: OrderFulfillment executions',
        'Started, succeeded, failed, timed out, throttled.',
        pipeline.workflow,
      ),
      section(
        'steps',
        'Steps: the workflow handlers',
        'Errors, throttles and p99 duration against the timeout.',
        pipeline.steps,
      ),
      section(
        'fan-out',
        'Fan-out: OrderEvents and its subscriber queues',
        'Every status to order-status (the service), notifications and analytics; failed deliveries; every DLQ.',
        pipeline.orderEvents,
      ),
      section(
        'routing',
        'Routing: the EventBridge bus',
        'Fraud screening and restock: failed invocations, handler errors and duration, the target DLQ.',
        pipeline.routing,
      ),
      section(
        'clickstream',
        'Clickstream: POST /api/events → Kinesis → clickstream-consumer',
        'Customer activity for recommendations: records in and throttled, the consumer’s iterator age, errors and skipped records, the on-failure queue.',
        pipeline.clickstream,
      ),
      section(
        'data',
        'Data: DynamoDB and PostgreSQL',
        'Table throttles; database CPU, connections and free storage.',
        dataObservable,
      ),
    ];
    if (profile.audit.cloudTrail) {
      this.audit = new AuditTrail(this, 'AuditTrail', {
        prefix,
        profileName: profile.name,
        queues: [pipeline.intake.orders.queue],
        topics: [pipeline.orderEvents.topic],
        retentionDays: profile.audit.retentionDays,
        objectLock: profile.audit.objectLock,
        alarms: pipeline.alarms,
        removalPolicy: profile.removalPolicy,
      });
      new CfnOutput(this, 'AuditTrailBucketName', { value: this.audit.bucket.bucketName });
    }
    this.dashboard = new OrderDashboard(this, 'OrderDashboard', {
      dashboardName: `${prefix}-orders`,
      title: `SecureCart ${profile.name}: follow an order`,
      business: businessWidgets(),
      sections,
      otherAlarms: this.audit?.alarms,
    });

    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${prefix}-orders`,
    });
  }
}

/** The storefront distribution's requests and error rates (CloudFront publishes them in us-east-1). */
function edgeWidgets(frontend: FrontendStack): cloudwatch.IWidget[] {
  const metric = (metricName: string, statistic: string, label: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/CloudFront',
      metricName,
      dimensionsMap: { DistributionId: frontend.site.distribution.distributionId, Region: 'Global' },
      region: 'us-east-1',
      statistic,
      period: Duration.minutes(1),
      label,
    });
  return [
    new cloudwatch.GraphWidget({
      title: 'CloudFront: requests and error rates (%)',
      region: 'us-east-1',
      left: [metric('Requests', 'Sum', 'requests')],
      right: [metric('4xxErrorRate', 'Average', '4xx rate'), metric('5xxErrorRate', 'Average', '5xx rate')],
      width: 24,
    }),
  ];
}
