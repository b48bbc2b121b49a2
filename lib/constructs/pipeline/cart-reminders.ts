import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import {
  CART_ABANDONED_DETAIL_TYPE,
  CART_ABANDONED_PATTERN,
  CART_ATTRIBUTES,
  CART_REMINDER_MAX_BYTES,
} from '@securecart/contracts/reminders';
import { TABLE_KEYS } from '@securecart/contracts/tables';
import { checkoutServiceMetric, eventRuleMetric, handlerMetric } from '../custom-metrics';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { ReliableQueue } from '../reliable-queue';
import { durationWidget, PipelineBaseProps, pipelineFunction, queueBase } from './base';

/** The cart-reminder handler's timeout; the queue's visibility timeout is six times it (AWS's guidance). */
const HANDLER_TIMEOUT = Duration.seconds(10);
const BATCH_SIZE = 10;

/** The attributes cart-reminder may read (its GetItem's projection, lambda/cart-reminder). */
export const CART_REMINDER_READABLE_ATTRIBUTES = [
  TABLE_KEYS.carts.partitionKey,
  CART_ATTRIBUTES.items,
  CART_ATTRIBUTES.version,
  CART_ATTRIBUTES.orderedVersion,
  CART_ATTRIBUTES.updatedAt,
  TABLE_KEYS.carts.ttlAttribute,
];

export interface CartRemindersProps extends PipelineBaseProps {
  /** The Data stack's Carts table: read (GetItem, projected) by cart-reminder. */
  readonly cartsTable: dynamodb.ITable;
  readonly bus: events.IEventBus;
  /** Where CartAbandoned goes (the OrderEvents notifications queue). */
  readonly notificationsQueue: sqs.IQueue;
  /** Undeliverable CartAbandoned events (EventRouting's alarmed targets DLQ). */
  readonly targetDlq: sqs.IQueue;
  /** The message delay the checkout service sends with (the profile's cartReminders.delay). */
  readonly delay: Duration;
}

/**
 * Abandoned-cart reminders (issue 22, docs/adr/0030): the `cart-reminders` standard queue
 * (pipeline key, TLS only, its own alarmed DLQ) the checkout service sends a delayed message to
 * on every cart change; cart-reminder, which consumes it (partial batch responses) and publishes
 * CartAbandoned on the bus when that cart version is still current, non-empty and unordered;
 * and the CartAbandoned rule to the notifications queue. Alarms: the DLQ, the oldest message,
 * and the checkout service failing to send reminders.
 */
export class CartReminders extends Construct implements Observable {
  readonly queue: ReliableQueue;
  readonly handler: lambda.IFunction;
  readonly rule: events.Rule;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: CartRemindersProps) {
    super(scope, id);
    this.queue = new ReliableQueue(this, 'Queue', {
      ...queueBase(props),
      queueName: `${props.prefix}-cart-reminders`,
      maxMessageSizeBytes: CART_REMINDER_MAX_BYTES,
      visibilityTimeout: Duration.seconds(HANDLER_TIMEOUT.toSeconds() * 6),
      // A message is visible only once its delay has passed; then it should be handled within minutes.
      maxMessageAge: props.delay.plus(Duration.minutes(10)),
    });

    const fn = pipelineFunction(
      this,
      props,
      'cart-reminder',
      'Publishes CartAbandoned when a delayed cart reminder finds the cart untouched and not ordered',
      { [HANDLER_ENV.cartsTable]: props.cartsTable.tableName, [HANDLER_ENV.eventBusName]: props.bus.eventBusName },
      HANDLER_TIMEOUT,
    );
    this.handler = fn.fn;
    // Least privilege: GetItem only, and only the attributes the decision reads (dynamodb:Attributes;
    // a read without a projection asks for ALL_ATTRIBUTES and is refused).
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.cartsTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': CART_REMINDER_READABLE_ATTRIBUTES },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
    props.cartsTable.encryptionKey?.grant(fn.fn, 'kms:Decrypt', 'kms:DescribeKey');
    props.bus.grantPutEventsTo(fn.fn);
    // The event source grants receive/delete on the queue and decrypting with the pipeline key.
    fn.fn.addEventSource(
      new SqsEventSource(this.queue.queue, { batchSize: BATCH_SIZE, reportBatchItemFailures: true }),
    );

    // CartAbandoned → notifications. CDK's SqsQueue target, on a queue with a customer-managed
    // key, grants EventBridge the key and the queue held to this account only. NotificationsTarget
    // instead admits this rule alone (aws:SourceArn) to the queue; the pipeline key's statement for
    // EventBridge covers this bus's `<prefix>-*` rules (EventRouting).
    this.rule = new events.Rule(this, 'CartAbandonedRule', {
      eventBus: props.bus,
      ruleName: `${props.prefix}-CartAbandoned`,
      description: 'Abandoned carts to the notifications queue',
      eventPattern: {
        source: [...CART_ABANDONED_PATTERN.source],
        detailType: [...CART_ABANDONED_PATTERN['detail-type']],
      },
      targets: [
        new NotificationsTarget(props.notificationsQueue, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: props.targetDlq,
        }),
      ],
    });

    const period = Duration.minutes(1);
    const sendFailures = checkoutServiceMetric(
      METRIC_NAMES.cartReminderSendFailures,
      {},
      'Sum',
      'reminders the checkout service could not send',
      period,
    );
    this.alarms = [
      ...this.queue.alarms,
      props.alarms.alarm(this, 'SendFailuresAlarm', {
        metric: sendFailures,
        summary:
          'The checkout service could not send cart reminders (cart-reminders queue or its key unavailable): carts are saved, but those carts get no reminder',
        runbook: RUNBOOKS.cartReminders,
        threshold: 5,
        evaluationPeriods: 5,
      }),
    ];
    const failedDeliveries = eventRuleMetric(
      props.bus.eventBusName,
      this.rule.ruleName,
      'FailedInvocations',
      `${CART_ABANDONED_DETAIL_TYPE} failed deliveries`,
      period,
    );
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Cart reminders: abandoned, skipped, send failures; handler errors',
        left: [
          handlerMetric('cart-reminder', METRIC_NAMES.cartsAbandoned, 'carts abandoned', period),
          handlerMetric('cart-reminder', METRIC_NAMES.cartRemindersSkipped, 'reminders skipped', period),
          sendFailures,
          checkoutServiceMetric(
            METRIC_NAMES.cartOrderMarkFailures,
            {},
            'Sum',
            'orders whose cart could not be marked',
            period,
          ),
          failedDeliveries,
        ],
        right: fn.metrics(),
        width: 12,
      }),
      ...this.queue.widgets,
      durationWidget('cart-reminder: duration p99 (ms)', [fn], 6),
    ];
  }
}

/** An SQS queue as a rule target, admitting that rule only (see CartReminders). */
class NotificationsTarget implements events.IRuleTarget {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly props: targets.TargetBaseProps,
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    if (this.props.deadLetterQueue) targets.addToDeadLetterQueueResourcePolicy(rule, this.props.deadLetterQueue);
    return { ...targets.bindBaseTargetConfig(this.props), arn: this.queue.queueArn, targetResource: this.queue };
  }
}
