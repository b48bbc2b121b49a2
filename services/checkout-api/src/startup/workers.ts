/**
 * The AWS clients and the background workers: the outbox relay, the outbox pruner and the status
 * consumer, each with the writer pool, the metrics destination and its own logger.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FastifyBaseLogger } from 'fastify';
import type { OrderCache } from '../cache/order-cache';
import type { CheckoutConfig } from '../config';
import type { Database } from '../db';
import type { MetricsSink } from '../metrics';
import { OutboxPruner } from '../outbox-pruner';
import { OutboxRelay } from '../outbox-relay';
import { StatusConsumer } from '../status-consumer';
import type { SegmentSink } from '../tracing';

/**
 * SQS client settings. By default the SDK sends each request to the host named in its queue URL;
 * with an endpoint configured (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_SQS: LocalStack, an emulator)
 * requests go to that endpoint instead, whatever host the queue URLs name (an emulator's outputs
 * may name sqs.<region>.amazonaws.com). On AWS neither variable is set and nothing changes.
 */
export function sqsClientConfig(env: Record<string, string | undefined> = process.env): SQSClientConfig {
  return { useQueueUrlAsEndpoint: !(env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL) };
}

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
}

export interface Workers {
  readonly relay: OutboxRelay;
  readonly pruner: OutboxPruner;
  readonly consumer: StatusConsumer;
}

export interface WorkerContext {
  readonly config: CheckoutConfig;
  readonly db: Database;
  readonly log: FastifyBaseLogger;
  readonly metricsSink: MetricsSink;
  readonly segmentSink?: SegmentSink;
  /** The status consumer writes each new status through to the cached order view. */
  readonly orderCache?: OrderCache;
}

export function createWorkers({ config, db, log, metricsSink, segmentSink, orderCache }: WorkerContext): Workers {
  const sqs = new SQSClient(sqsClientConfig());
  const worker = (component: string) => ({
    pool: db.writer,
    metricsNamespace: config.metricsNamespace,
    metricsSink,
    log: log.child({ component }),
  });
  const relay = new OutboxRelay({
    ...worker('outbox-relay'),
    segmentSink,
    sqs,
    queueUrl: config.ordersQueueUrl,
    batchSize: config.outboxBatchSize,
    pollIntervalMs: config.outboxPollIntervalMs,
    metricsIntervalMs: config.metricsIntervalMs,
  });
  const pruner = new OutboxPruner({
    ...worker('outbox-pruner'),
    retentionHours: config.outboxRetentionHours,
    batchSize: config.outboxPruneBatchSize,
    intervalMs: config.outboxPruneIntervalMs,
  });
  const consumer = new StatusConsumer({
    ...worker('status-consumer'),
    segmentSink,
    sqs,
    queueUrl: config.orderStatusQueueUrl,
    orderCache,
    waitTimeSeconds: config.statusConsumerWaitSeconds,
  });
  return { relay, pruner, consumer };
}

/** Starts the workers the configuration enables (the pruner always runs; 0 hours keeps every row). */
export function startWorkers(config: CheckoutConfig, { relay, pruner, consumer }: Workers): void {
  if (config.outboxRelayEnabled) relay.start();
  pruner.start();
  if (config.statusConsumerEnabled) consumer.start();
}
