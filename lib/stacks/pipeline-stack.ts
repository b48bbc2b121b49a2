import { Aws, CfnOutput, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import {
  EVENT_SOURCES,
  HANDLER_ENV,
  publishedSchemas,
  RULE_PATTERNS,
  SNS_ATTRIBUTES,
  STATUS_SUBSCRIPTIONS,
} from '../contracts';
import { TierKey } from '../constructs/encryption';
import {
  acknowledgeStateMachineRole,
  FulfillmentWorkflow,
  WORKFLOW_STEPS,
  WorkflowStep,
} from '../constructs/fulfillment-workflow';
import { PipelineFunction } from '../constructs/pipeline-function';
import { DeadLetterQueue, ReliableQueue } from '../constructs/reliable-queue';

export interface PipelineStackProps extends StackProps {
  readonly profile: Profile;
  readonly catalogTable: dynamodb.ITable;
  readonly idempotencyTable: dynamodb.ITable;
}

/** Intake Lambda timeout; the orders queue's visibility timeout is six times this. */
export const INTAKE_TIMEOUT = Duration.seconds(30);

type HandlerName = WorkflowStep | 'start-fulfillment' | 'screen-fraud' | 'restock';

/**
 * The order pipeline: orders.fifo (+ DLQ) → start-fulfillment → OrderFulfillment state machine,
 * OrderEvents SNS fan-out with filtered subscriptions, the `securecart` EventBridge bus with fraud
 * and restock rules, an archive and a schema registry. No VPC, so LocalStack can host it.
 */
export class PipelineStack extends Stack {
  readonly ordersQueue: ReliableQueue;
  readonly topic: sns.Topic;
  readonly alarmTopic: sns.Topic;
  readonly bus: events.EventBus;
  readonly workflow: FulfillmentWorkflow;
  readonly handlers: Record<HandlerName, lambda.Function>;
  readonly subscriptionQueues: Record<keyof typeof STATUS_SUBSCRIPTIONS, ReliableQueue>;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { profile } = props;
    const prefix = `securecart-${profile.name}`;
    const removalPolicy = profile.removalPolicy;

    const tierKey = new TierKey(this, 'PipelineKey', {
      aliasName: `${prefix}-pipeline`,
      description: `SecureCart ${profile.name}: order queues, topics and pipeline logs`,
      removalPolicy,
    });
    const key = tierKey.key;
    // EventBridge delivers failed events into the encrypted target DLQ.
    key.addToResourcePolicy(serviceKeyAccess('events.amazonaws.com'));
    // Topics get their own key: SNS-to-SQS delivery adds a statement naming each topic to the
    // queues' key policy, which would be a cycle if the topics used that same key.
    const topicKey = new TierKey(this, 'TopicKey', {
      aliasName: `${prefix}-topics`,
      description: `SecureCart ${profile.name}: OrderEvents and ops alarm topics`,
      removalPolicy,
    }).key;
    topicKey.addToResourcePolicy(serviceKeyAccess('cloudwatch.amazonaws.com')); // alarm actions publish to the ops topic

    // --- alarms go to an encrypted ops topic ----------------------------------------------------
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-ops-alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (profile.alarmEmail) this.alarmTopic.addSubscription(new subs.EmailSubscription(profile.alarmEmail));
    const queueBase = { key, alarmTopic: this.alarmTopic, removalPolicy };

    // --- handlers --------------------------------------------------------------------------------
    const screeningEnv = {
      [HANDLER_ENV.highValueThresholdCents]: String(profile.pipeline.highValueThresholdCents),
      [HANDLER_ENV.allowedShippingCountries]: profile.pipeline.allowedShippingCountries.join(','),
    };
    const handler = (
      step: HandlerName,
      description: string,
      environment: Record<string, string> = {},
      timeout?: Duration,
    ) =>
      new PipelineFunction(this, toPascal(step), {
        step,
        description,
        key: tierKey,
        logRetentionDays: profile.logRetentionDays,
        removalPolicy,
        environment,
        timeout,
      }).fn;
    const catalogEnv = { [HANDLER_ENV.catalogTable]: props.catalogTable.tableName };
    const idempotencyEnv = { [HANDLER_ENV.idempotencyTable]: props.idempotencyTable.tableName };

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: prefix,
      description: 'SecureCart order and inventory events',
    });
    const busEnv = { [HANDLER_ENV.eventBusName]: this.bus.eventBusName };

    this.handlers = {
      'validate-order': handler('validate-order', 'Validates an order and prices it from the catalog', {
        ...catalogEnv,
        ...screeningEnv,
      }),
      'process-payment': handler(
        'process-payment',
        'Charges the order through the payment provider (idempotent by order id)',
        {
          ...idempotencyEnv,
          [HANDLER_ENV.paymentProviderTimeoutMs]: '3000',
        },
      ),
      'refund-payment': handler('refund-payment', 'Refunds a charged order (saga compensation)', idempotencyEnv),
      'reserve-inventory': handler('reserve-inventory', 'Reserves stock for an order; emits InventoryLow', {
        ...catalogEnv,
        ...busEnv,
      }),
      'release-inventory': handler(
        'release-inventory',
        "Releases an order's stock reservation (saga compensation)",
        catalogEnv,
      ),
      'create-invoice': handler('create-invoice', 'Creates the order invoice', idempotencyEnv),
      'create-shipment': handler('create-shipment', 'Books one shipment with the carrier', {
        ...idempotencyEnv,
        ...catalogEnv,
      }),
      'start-fulfillment': handler(
        'start-fulfillment',
        'Starts one fulfillment execution per order from orders.fifo',
        {},
        INTAKE_TIMEOUT,
      ),
      'screen-fraud': handler(
        'screen-fraud',
        'Scores a screening request and answers the waiting workflow',
        screeningEnv,
      ),
      restock: handler('restock', 'Reorders stock when a product runs low', catalogEnv),
    };
    const fns = this.handlers;

    // Least privilege: exact DynamoDB actions on exact tables, exact KMS actions on the data key.
    const grantTable = (table: dynamodb.ITable, fn: lambda.Function, ...tableActions: string[]) => {
      table.grant(fn, ...tableActions.map((a) => `dynamodb:${a}`));
      table.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
    };
    grantTable(props.catalogTable, fns['validate-order'], 'BatchGetItem');
    grantTable(props.catalogTable, fns['reserve-inventory'], 'UpdateItem', 'GetItem');
    grantTable(props.catalogTable, fns['release-inventory'], 'UpdateItem');
    grantTable(props.catalogTable, fns['create-shipment'], 'UpdateItem');
    grantTable(props.catalogTable, fns.restock, 'UpdateItem');
    for (const fn of [fns['process-payment'], fns['refund-payment'], fns['create-invoice'], fns['create-shipment']]) {
      grantTable(props.idempotencyTable, fn, 'GetItem', 'PutItem', 'UpdateItem');
    }
    this.bus.grantPutEventsTo(fns['reserve-inventory']);

    // --- OrderEvents fan-out ----------------------------------------------------------------------
    this.topic = new sns.Topic(this, 'OrderEvents', {
      topicName: `${prefix}-order-events`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    const subscriptionQueue = (name: keyof typeof STATUS_SUBSCRIPTIONS, rawMessageDelivery: boolean) => {
      const q = new ReliableQueue(this, `${toPascal(name)}Queue`, {
        ...queueBase,
        queueName: `${prefix}-${kebab(name)}`,
        maxReceiveCount: 5,
      });
      this.topic.addSubscription(
        new subs.SqsSubscription(q.queue, {
          rawMessageDelivery,
          deadLetterQueue: q.deadLetterQueue,
          filterPolicy: statusFilter(name),
        }),
      );
      return q;
    };
    this.subscriptionQueues = {
      orderStatus: subscriptionQueue('orderStatus', false),
      notifications: subscriptionQueue('notifications', false),
      analytics: subscriptionQueue('analytics', true),
    };
    if (profile.alarmEmail) {
      this.topic.addSubscription(
        new subs.EmailSubscription(profile.alarmEmail, { filterPolicy: statusFilter('notifications') }),
      );
    }

    // --- the workflow -----------------------------------------------------------------------------
    const workflowHandlers = {} as Record<WorkflowStep, lambda.IFunction>;
    for (const step of WORKFLOW_STEPS) workflowHandlers[step] = fns[step];
    this.workflow = new FulfillmentWorkflow(this, 'OrderFulfillment', {
      stateMachineName: `${prefix}-OrderFulfillment`,
      handlers: workflowHandlers,
      topic: this.topic,
      bus: this.bus,
      key: tierKey,
      fraudScreenTimeout: profile.pipeline.fraudScreenTimeout,
      logRetentionDays: profile.logRetentionDays,
      removalPolicy,
    });
    const stateMachine = this.workflow.stateMachine;
    topicKey.grant(stateMachine.role, 'kms:Decrypt', 'kms:GenerateDataKey'); // publish to the encrypted topic
    acknowledgeStateMachineRole(this.workflow, Object.values(workflowHandlers));
    stateMachine.grantTaskResponse(fns['screen-fraud']);

    // --- intake: orders.fifo → start-fulfillment ---------------------------------------------
    this.ordersQueue = new ReliableQueue(this, 'OrdersQueue', {
      ...queueBase,
      queueName: `${prefix}-orders`,
      fifo: true,
      visibilityTimeout: Duration.seconds(6 * INTAKE_TIMEOUT.toSeconds()), // AWS's guidance for Lambda event sources
      maxReceiveCount: 3,
      maxMessageAge: Duration.minutes(5),
    });
    fns['start-fulfillment'].addEnvironment(HANDLER_ENV.stateMachineArn, stateMachine.stateMachineArn);
    stateMachine.grantStartExecution(fns['start-fulfillment']);
    fns['start-fulfillment'].addEventSource(
      new SqsEventSource(this.ordersQueue.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // --- EventBridge: fraud screening and restock, with retries and a DLQ ------------------------
    const targetDlq = new DeadLetterQueue(this, 'EventTargetsDlq', {
      ...queueBase,
      queueName: `${prefix}-event-targets-dlq`,
      purpose: 'EventBridge events whose target failed after retries',
    });
    Validations.of(targetDlq.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: EventBridge rule targets send undeliverable events here (alarmed when not empty).',
    });
    const target = (fn: lambda.IFunction) =>
      new targets.LambdaFunction(fn, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: targetDlq.queue,
      });
    const policy = {
      highValueThresholdCents: profile.pipeline.highValueThresholdCents,
      allowedShippingCountries: profile.pipeline.allowedShippingCountries,
    };
    const rule = (
      ruleId: string,
      description: string,
      pattern: ReturnType<(typeof RULE_PATTERNS)[keyof typeof RULE_PATTERNS]>,
      fn: lambda.IFunction,
    ) =>
      new events.Rule(this, ruleId, {
        eventBus: this.bus,
        ruleName: `${prefix}-${ruleId}`,
        description,
        eventPattern: toCdkPattern(pattern),
        targets: [target(fn)],
      });
    rule(
      'HighValueOrder',
      'Screening requests at or above the high-value threshold',
      RULE_PATTERNS.highValueOrder(policy),
      fns['screen-fraud'],
    );
    rule(
      'SuspiciousOrder',
      'Screening requests below the threshold shipping outside the allowed countries',
      RULE_PATTERNS.suspiciousOrder(policy),
      fns['screen-fraud'],
    );
    rule('InventoryLow', 'Stock below reorder level', RULE_PATTERNS.inventoryLow(), fns.restock);
    this.bus.archive('Archive', {
      archiveName: `${prefix}-events`,
      description: 'Every SecureCart event, for replay',
      eventPattern: { source: Object.values(EVENT_SOURCES) },
      retention: Duration.days(Math.max(profile.logRetentionDays, 7)),
    });

    if (profile.features.schemaRegistry) {
      const registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
        registryName: prefix,
        description: 'SecureCart event and message contracts, generated from lib/contracts',
      });
      for (const schema of publishedSchemas()) {
        new eventschemas.CfnSchema(this, `Schema${toPascal(schema.name.replace(/[^A-Za-z0-9]+/g, '-'))}`, {
          registryName: registry.attrRegistryName,
          schemaName: schema.name,
          type: 'JSONSchemaDraft4',
          description: schema.description,
          content: JSON.stringify(schema.content),
        });
      }
      new CfnOutput(this, 'SchemaRegistryName', { value: registry.attrRegistryName });
    }

    // --- workflow alarms: anything unexpected ends FAILED and pages someone ---------------------
    const alarmAction = new actions.SnsAction(this.alarmTopic);
    const workflowAlarm = (alarmId: string, metric: cloudwatch.Metric, what: string) =>
      metric
        .createAlarm(this, alarmId, {
          alarmDescription: `OrderFulfillment: ${what}. See docs/runbooks/failed-orders.md.`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    workflowAlarm(
      'ExecutionsFailedAlarm',
      stateMachine.metricFailed({ period: Duration.minutes(1), statistic: 'Sum' }),
      'executions failed',
    );
    workflowAlarm(
      'ExecutionsTimedOutAlarm',
      stateMachine.metricTimedOut({ period: Duration.minutes(1), statistic: 'Sum' }),
      'executions timed out',
    );
    workflowAlarm(
      'ExecutionsAbortedAlarm',
      stateMachine.metricAborted({ period: Duration.minutes(1), statistic: 'Sum' }),
      'executions aborted',
    );

    // --- outputs for operators and the smoke suite ------------------------------------------------
    const output = (name: string, value: string) => new CfnOutput(this, name, { value });
    output('OrdersQueueUrl', this.ordersQueue.queue.queueUrl);
    output('OrdersDlqUrl', this.ordersQueue.deadLetterQueue.queueUrl);
    output('OrderStatusQueueUrl', this.subscriptionQueues.orderStatus.queue.queueUrl);
    output('NotificationsQueueUrl', this.subscriptionQueues.notifications.queue.queueUrl);
    output('AnalyticsQueueUrl', this.subscriptionQueues.analytics.queue.queueUrl);
    output('EventTargetsDlqUrl', targetDlq.queue.queueUrl);
    output('OrderEventsTopicArn', this.topic.topicArn);
    output('AlarmTopicArn', this.alarmTopic.topicArn);
    output('EventBusName', this.bus.eventBusName);
    output('StateMachineArn', stateMachine.stateMachineArn);
    output('CatalogTableName', props.catalogTable.tableName);
    output('IdempotencyTableName', props.idempotencyTable.tableName);
  }
}

/** Lets an AWS service in this account use a key for deliveries it makes on the stack's behalf. */
function serviceKeyAccess(servicePrincipal: string) {
  return new iam.PolicyStatement({
    sid: `Allow${servicePrincipal.split('.')[0]}Deliveries`,
    principals: [new iam.ServicePrincipal(servicePrincipal)],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  });
}

function statusFilter(name: keyof typeof STATUS_SUBSCRIPTIONS) {
  return {
    [SNS_ATTRIBUTES.status]: sns.SubscriptionFilter.stringFilter({ allowlist: [...STATUS_SUBSCRIPTIONS[name]] }),
  };
}

/** Contract patterns use EventBridge's JSON keys; CDK's EventPattern uses camelCase for the envelope. */
function toCdkPattern(pattern: {
  source: readonly string[];
  'detail-type': readonly string[];
  detail?: object;
}): events.EventPattern {
  return {
    source: [...pattern.source],
    detailType: [...pattern['detail-type']],
    ...(pattern.detail ? { detail: pattern.detail as Record<string, unknown> } : {}),
  };
}

const toPascal = (s: string) =>
  s.replace(/(^|[-_.@\s])(\w)/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
