import type { SQSEvent, SQSRecord } from 'aws-lambda';

export interface SqsRecordOptions {
  /** The queue the record comes from (its eventSourceARN). */
  readonly queueArn: string;
  /**
   * A FIFO queue's record: MessageGroupId (left out when undefined), MessageDeduplicationId (the
   * message id) and SequenceNumber are set.
   */
  readonly fifo?: { readonly groupId: string | undefined };
  /** SentTimestamp and ApproximateFirstReceiveTimestamp (epoch milliseconds, as SQS writes them). */
  readonly sentTimestamp?: string;
}

/** An SQS record as Lambda's event source delivers it; a body that is not a string is sent as JSON. */
export function sqsRecord(messageId: string, body: unknown, options: SqsRecordOptions): SQSRecord {
  const sent = options.sentTimestamp ?? '1736935200000';
  const { fifo } = options;
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: sent,
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: sent,
      ...(fifo === undefined
        ? {}
        : {
            ...(fifo.groupId === undefined ? {} : { MessageGroupId: fifo.groupId }),
            MessageDeduplicationId: messageId,
            SequenceNumber: '1',
          }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: 'us-east-1',
  };
}

/** The event of these records. */
export const sqsBatch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
