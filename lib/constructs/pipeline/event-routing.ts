import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  DETAIL_TYPES,
  EVENT_SOURCES,
  HANDLER_ENV,
  publishedSchemas,
  RULE_PATTERNS,
  ScreeningPolicy,
} from '@securecart/contracts';
import { encryptArchive, TierKey } from '../encryption';
import { acknowledge } from '../nag';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { DeadLetterQueue } from '../reliable-queue';
import {
  durationWidget,
  grantExecutionDataKey,
  PipelineBaseProps,
  pipelineFunction,
  toPascal,
  queueBase,
} from './base';
import { eventRuleMetric } from '../custom-metrics';

export interface EventRoutingProps extends PipelineBaseProps {
  readonly catalogTable: dynamodb.ITable;
  readonly screening: ScreeningPolicy;
  /** Keep events (not screening requests) for replay (LocalStack has no CloudFormation provider for archives). */
  readonly archive: boolean;
  /** Publish the contracts as JSON schemas (not in LocalStack's free plan). */
  readonly schemaRegistry: boolean;
}

/**
 * The `securecart-<profile>` bus and what reacts to it: screening requests reach screen-fraud
 * (HighValueOrder / SuspiciousOrder, disjoint patterns from the contracts), InventoryLow reaches
 * restock. Every target retries and then dead-letters into an alarmed DLQ. Optionally an archive
 * of the SecureCart events but screening requests and a schema registry of the contracts.
 */
export class EventRouting extends Construct implements Observable {
  readonly bus: events.EventBus;
  readonly targetDlq: sqs.IQueue;
  readonly screenFraud: lambda.IFunction;
  readonly restock: lambda.IFunction;
  /** Set when the profile publishes the contracts to a schema registry. */
  readonly schemaRegistryName?: string;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    const { prefix, screening } = props;
    // Events on the bus are encrypted with the pipeline key; CDK's key statement for EventBridge
    // carries aws:SourceAccount, aws:SourceArn (this bus) and the bus's encryption context.
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: prefix,
      description: 'SecureCart order and inventory events',
      kmsKey: props.key.key,
    });

    const screenFraud = pipelineFunction(
      this,
      props,
      'screen-fraud',
      'Scores a screening request and answers the waiting workflow',
      {
        [HANDLER_ENV.highValueThresholdCents]: String(screening.highValueThresholdCents),
        [HANDLER_ENV.allowedShippingCountries]: screening.allowedShippingCountries.join(','),
      },
    );
    const restock = pipelineFunction(this, props, 'restock', 'Reorders stock when a product runs low', {
      [HANDLER_ENV.catalogTable]: props.catalogTable.tableName,
    });
    restock.grantTableItems(props.catalogTable, 'UpdateItem');
    this.screenFraud = screenFraud.fn;
    this.restock = restock.fn;

    // EventBridge delivers events whose target failed into this encrypted DLQ: only for this bus's
    // rules (their names are `<prefix>-<rule>`; a literal ARN, since the rules depend on the key).
    props.key.allowServiceDeliveries('events.amazonaws.com', [
      Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `${prefix}/${prefix}-*` }),
    ]);
    const targetDlq = new DeadLetterQueue(this, 'EventTargetsDlq', {
      ...queueBase(props),
      queueName: `${prefix}-event-targets-dlq`,
      purpose: 'EventBridge events whose target failed after retries',
    });
    acknowledge(targetDlq.queue, {
      'AwsSolutions-SQS3':
        'This queue is itself a dead-letter queue: EventBridge rule targets send undeliverable events here (alarmed when not empty).',
    });
    this.targetDlq = targetDlq.queue;

    const rules = [
      [
        'HighValueOrder',
        'Screening requests at or above the high-value threshold',
        RULE_PATTERNS.highValueOrder(screening),
        screenFraud.fn,
      ],
      [
        'SuspiciousOrder',
        'Screening requests below the threshold shipping outside the allowed countries',
        RULE_PATTERNS.suspiciousOrder(screening),
        screenFraud.fn,
      ],
      ['InventoryLow', 'Stock below reorder level', RULE_PATTERNS.inventoryLow(), restock.fn],
    ] as const;
    const failedInvocations = rules.map(([ruleId, description, pattern, fn]) => {
      const rule = new events.Rule(this, ruleId, {
        eventBus: this.bus,
        ruleName: `${prefix}-${ruleId}`,
        description,
        eventPattern: toCdkPattern(pattern),
        targets: [
          new targets.LambdaFunction(fn, {
            retryAttempts: 4,
            maxEventAge: Duration.hours(1),
            deadLetterQueue: targetDlq.queue,
          }),
        ],
      });
      return eventRuleMetric(this.bus.eventBusName, rule.ruleName, 'FailedInvocations', `${ruleId} failed invocations`);
    });

    if (props.archive) this.archiveEvents(prefix, props);
    if (props.schemaRegistry) this.schemaRegistryName = this.publishSchemas(prefix);

    // EventBridge's retries and the targets DLQ cover an invocation Lambda refused; once Lambda took
    // the event, a handler error is Lambda's to retry (twice), then dropped. For screen-fraud that
    // means a decision never delivered (its task-token callback failing): the order waits for the
    // fraud-review time-out and is CANCELLED for manual review. Alarmed (docs/adr/0017).
    const screenFraudErrors = props.alarms.alarm(this, 'ScreenFraudErrorsAlarm', {
      metric: screenFraud.fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      summary:
        'screen-fraud failed (a fraud decision not delivered, e.g. its task-token callback failing): the order waits for the fraud-review time-out and is CANCELLED for manual review',
      runbook: RUNBOOKS.failedOrders,
    });
    // Restock likewise: a handler error after Lambda's two retries drops the InventoryLow event, so
    // the product stays below its reorder level until the next sale reports it again. Alarmed.
    const restockErrors = props.alarms.alarm(this, 'RestockErrorsAlarm', {
      metric: restock.fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      summary:
        'restock failed (e.g. the Catalog table unavailable): a low-stock reorder may be lost until the next sale of that product reports it again',
      runbook: RUNBOOKS.dlqRedrive,
    });
    this.alarms = [...targetDlq.alarms, screenFraudErrors, restockErrors];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'EventBridge: failed invocations; fraud and restock handler errors',
        left: failedInvocations,
        right: [...screenFraud.metrics(), ...restock.metrics()],
        width: 12,
      }),
      durationWidget('screen-fraud and restock: duration p99 (ms)', [screenFraud, restock], 6),
      ...targetDlq.widgets,
    ];
  }

  /**
   * The archive of SecureCart events for replay, on the pipeline key. Screening requests are left
   * out: each carries the task token of a waiting execution, good only until that execution moves
   * on (minutes), so a replay of one could only be refused, and an archived token is a credential
   * kept for nothing (docs/adr/0019-claim-check-for-payment-data.md).
   */
  private archiveEvents(prefix: string, props: EventRoutingProps): void {
    const archiveName = `${prefix}-events`;
    const archive = new events.Archive(this.bus, 'Archive', {
      sourceEventBus: this.bus,
      archiveName,
      description: 'SecureCart events except screening requests (which carry task tokens), for replay',
      eventPattern: {
        source: Object.values(EVENT_SOURCES),
        detailType: events.Match.anythingBut(DETAIL_TYPES.screeningRequested),
      },
      retention: Duration.days(Math.max(props.logRetentionDays, 7)),
    });
    encryptArchive(archive, props.key.key, prefix, archiveName);
  }

  /** Lets screen-fraud answer the workflow's waiting screening task (SendTaskSuccess/Failure). */
  answerScreeningFor(stateMachine: sfn.StateMachine, key: TierKey): void {
    stateMachine.grantTaskResponse(this.screenFraud);
    // The answer becomes part of the execution history, encrypted with the pipeline key: the
    // caller needs the key for that state machine's encryption context only.
    grantExecutionDataKey(stateMachine, key, this.screenFraud);
  }

  private publishSchemas(prefix: string): string {
    const registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      registryName: prefix,
      description: 'SecureCart event and message contracts, generated from @securecart/contracts',
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
    return registry.attrRegistryName;
  }
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
