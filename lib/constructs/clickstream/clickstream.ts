import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { HANDLER_ENV, METRIC_NAMES } from '@securecart/contracts';
import type { ClickstreamProfile } from '../../config/profile-types';
import { handlerMetric } from '../custom-metrics';
import { acknowledge } from '../nag';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { PipelineFunction } from '../pipeline-function';
import { DeadLetterQueue } from '../reliable-queue';
import { durationWidget, PipelineBaseProps, pipelineFunction, queueBase } from '../pipeline/base';

/** The consumer's Kinesis event source (docs/adr/0025): what a batch is and how long a failing one is retried. */
export const CLICKSTREAM_CONSUMER = {
  /** Records per invocation. */
  batchSize: 100,
  /** How long the event source gathers records before invoking with a partial batch. */
  maxBatchingWindow: Duration.seconds(5),
  /** Retries of a failing batch (halved each time: BisectBatchOnFunctionError) before the on-failure destination. */
  retryAttempts: 5,
  /** Records older than this go to the on-failure destination instead of being retried (the stream keeps 24 h). */
  maxRecordAge: Duration.hours(6),
  timeout: Duration.seconds(30),
  /** Alarm when the oldest record waits longer than this (the recommendations lag behind by as much). */
  iteratorAgeAlarm: Duration.minutes(10),
} as const;

export interface ClickstreamProps extends PipelineBaseProps {
  readonly stream: ClickstreamProfile['stream'];
  /** ProductAffinity (Data stack): the consumer writes the co-view and popularity counts there. */
  readonly affinityTable: dynamodb.ITable;
}

/**
 * The clickstream (issue 21, docs/adr/0025): a Kinesis data stream encrypted with the pipeline
 * key, 24 h retention, provisioned or on-demand as the profile says; API Gateway puts POST
 * /api/events batches into it (CheckoutRestApi, rest-api-kinesis.ts), and the consumer
 * (lambda/clickstream-consumer) aggregates co-views and popularity into ProductAffinity,
 * idempotently, so a retried or replayed batch counts once. A batch that keeps failing is halved
 * (BisectBatchOnFunctionError), retried a bounded number of times, and then its shard and sequence
 * range go to the on-failure queue (alarmed). Alarms: iterator age, consumer errors, throttled
 * puts, the on-failure queue's depth.
 */
export class Clickstream extends Construct implements Observable {
  readonly stream: kinesis.Stream;
  readonly consumer: PipelineFunction;
  /** Where the event source sends what it gave up on (the records' shard and sequence range, not the records). */
  readonly onFailure: DeadLetterQueue;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: ClickstreamProps) {
    super(scope, id);
    const streamName = `${props.prefix}-clickstream`;
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.key.key,
      retentionPeriod: Duration.hours(24),
      ...(props.stream.mode === 'provisioned'
        ? { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: props.stream.shards }
        : { streamMode: kinesis.StreamMode.ON_DEMAND }),
      removalPolicy: props.removalPolicy,
    });

    this.onFailure = new DeadLetterQueue(this, 'OnFailure', {
      ...queueBase(props),
      queueName: `${streamName}-dlq`,
      purpose: `clickstream batches the consumer gave up on (shard and sequence range; replay within the stream's 24 h)`,
      runbook: RUNBOOKS.clickstream,
    });

    const c = CLICKSTREAM_CONSUMER;
    this.consumer = pipelineFunction(
      this,
      props,
      'clickstream-consumer',
      'Aggregates clickstream co-views and popularity into ProductAffinity',
      { [HANDLER_ENV.productAffinityTable]: props.affinityTable.tableName },
      c.timeout,
    );
    // Session windows, checkpoints and counters: read, put and update items, nothing else.
    this.consumer.grantTableItems(props.affinityTable, 'GetItem', 'PutItem', 'UpdateItem');
    // The event source reads the stream with the function's role (the read grant, and kms:Decrypt
    // on the pipeline key, come with it) and sends to the on-failure queue with it too.
    this.consumer.fn.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: c.batchSize,
        maxBatchingWindow: c.maxBatchingWindow,
        bisectBatchOnError: true,
        retryAttempts: c.retryAttempts,
        maxRecordAge: c.maxRecordAge,
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: this.onFailureDestination(props),
      }),
    );

    acknowledge(this.stream, {
      'AwsSolutions-KDS3':
        "Encrypted with the pipeline tier's customer-managed key (ADR 2), not the aws/kinesis key: rotation, key policy and audit are the tier's own.",
    });
    acknowledge(this.onFailure.queue, {
      'AwsSolutions-SQS3':
        "This queue is itself a dead-letter queue: the consumer's Kinesis event source sends what it gave up on here (alarmed when not empty).",
    });

    const period = Duration.minutes(1);
    const iteratorAge = this.consumer.fn.metric('IteratorAge', {
      period,
      statistic: 'Maximum',
      label: 'iterator age (ms)',
    });
    const errors = this.consumer.fn.metricErrors({ period, statistic: 'Sum', label: 'consumer errors' });
    const throttledPuts = this.stream.metricWriteProvisionedThroughputExceeded({
      period,
      statistic: 'Sum',
      label: 'records throttled (PutRecord/PutRecords)',
    });
    const putRecordsThrottled = this.stream.metricPutRecordsThrottledRecords({
      period,
      statistic: 'Sum',
      label: 'PutRecords throttled records',
    });
    const incoming = this.stream.metricIncomingRecords({ period, statistic: 'Sum', label: 'incoming records' });
    const invalid = handlerMetric(
      'clickstream-consumer',
      METRIC_NAMES.invalidClickEvents,
      'invalid records skipped',
      period,
    );
    const counted = handlerMetric('clickstream-consumer', METRIC_NAMES.clickViewsCounted, 'views counted', period);

    const alarm = props.alarms;
    this.alarms = [
      alarm.alarm(this, 'IteratorAgeAlarm', {
        metric: iteratorAge,
        summary: `${streamName}: the consumer is more than ${c.iteratorAgeAlarm.toHumanString()} behind (failing or too slow); recommendations are stale`,
        runbook: RUNBOOKS.clickstream,
        threshold: c.iteratorAgeAlarm.toMilliseconds(),
        evaluationPeriods: 3,
      }),
      alarm.alarm(this, 'ConsumerErrorsAlarm', {
        metric: errors,
        summary: `clickstream-consumer fails (its batches are retried, halved, then sent to ${streamName}-failed)`,
        runbook: RUNBOOKS.clickstream,
        evaluationPeriods: 3,
      }),
      alarm.alarm(this, 'ThrottledPutsAlarm', {
        metric: throttledPuts,
        summary: `${streamName} throttles puts: POST /api/events loses events (the stream needs more capacity than it has)`,
        runbook: RUNBOOKS.clickstream,
        evaluationPeriods: 3,
      }),
      ...this.onFailure.alarms,
    ];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: `${streamName}: records in, throttled puts`,
        left: [incoming],
        right: [throttledPuts, putRecordsThrottled],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'clickstream-consumer: iterator age (ms)',
        left: [iteratorAge],
        leftAnnotations: [{ value: c.iteratorAgeAlarm.toMilliseconds(), label: 'alarm', color: '#d62728' }],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'clickstream-consumer: errors, throttles, invalid records, views counted',
        left: this.consumer.metrics(),
        right: [invalid, counted],
        width: 6,
      }),
      durationWidget('clickstream-consumer: duration p99 (ms)', [this.consumer], 6),
      ...this.onFailure.widgets,
    ];
  }

  /**
   * The on-failure destination, granting exactly what sending there takes: sqs:SendMessage on the
   * queue and the pipeline key's GenerateDataKey and Decrypt (the event source sends with the
   * function's role). CDK's SqsDlq would grant the queue's whole send set with key wildcards.
   */
  private onFailureDestination(props: ClickstreamProps): lambda.IEventSourceDlq {
    const queue = this.onFailure.queue;
    return {
      bind: (_mapping, target) => {
        queue.grant(target, 'sqs:SendMessage');
        props.key.key.grant(target, 'kms:GenerateDataKey', 'kms:Decrypt');
        return { destination: queue.queueArn };
      },
    };
  }
}
