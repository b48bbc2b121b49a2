/**
 * Delivery settings: how each queue hands its messages over, agreed between the construct that
 * creates the queue and the code that consumes it (a Lambda event source or the checkout
 * service). The constructs, the consumers and the tests read them from here.
 */
export const DELIVERY = {
  /** orders.fifo → start-fulfillment (Lambda event source). */
  orders: {
    /** Receives before a message moves to the DLQ (transient failures only: poison is sidelined at once). */
    maxReceiveCount: 3,
    /** Records per Lambda invocation (partial batch responses). */
    batchSize: 10,
    /** Visibility timeout as a multiple of the consumer's timeout: AWS's guidance for Lambda event sources. */
    visibilityTimeoutPerConsumerTimeout: 6,
    /** A message not started within this long is alarmed on (ApproximateAgeOfOldestMessage). */
    maxMessageAgeMinutes: 5,
  },
  /** The checkout service's outbox relay → orders.fifo. */
  outbox: {
    /** Rows per SendMessageBatch (SQS's maximum). */
    sendBatchSize: 10,
  },
  /** OrderEvents → the order-status, notifications and analytics queues. */
  statusEvents: {
    /** Receives before a message moves to the subscription's DLQ. */
    maxReceiveCount: 5,
    /** Messages per ReceiveMessage (SQS's maximum). */
    receiveBatchSize: 10,
    /** Long-poll wait of each ReceiveMessage (SQS's maximum; local runs may shorten it). */
    longPollSeconds: 20,
  },
  /** Every other queue built by ReliableQueue, unless its construct says otherwise. */
  /**
   * The status-redelivery queue (docs/adr/0017): status events the workflow could not publish,
   * published again by redeliver-status. A receive every visibility timeout for this many
   * receives rides out about 15 minutes of SNS errors before a message moves to the DLQ (alarmed).
   */
  statusRedelivery: {
    maxReceiveCount: 15,
    visibilityTimeoutSeconds: 60,
    batchSize: 10,
  },
  defaults: {
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  },
} as const;
