import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import {
  CART_ABANDONED_DETAIL_TYPE,
  CART_ATTRIBUTES,
  CART_EVENT_SOURCE,
  CART_REMINDER_SCHEMA_VERSION,
  CartAbandonedDetailSchema,
  CartReminderMessageSchema,
  reminderDecision,
} from '@securecart/contracts/reminders';
import type { CartAbandonedDetail, CartReminderMessage } from '@securecart/contracts/reminders';
import { TABLE_KEYS } from '@securecart/contracts/tables';
import { ddb } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { errorName } from '../shared/errors';
import { eventBridge } from '../shared/eventbridge';
import { logger, startInvocation } from '../shared/logger';
import { parseMessageBody } from '../shared/message';
import { countNow } from '../shared/metrics';

/*
 * cart-reminders → CartAbandoned (docs/adr/0030). The checkout service sends a message with
 * DelaySeconds when a customer's cart changes; when it becomes visible, this handler reads that
 * customer's cart (strongly consistent, only the attributes it decides on) and publishes
 * CartAbandoned on the bus only if the message's version is still the cart's version, the cart is
 * not empty or expired, and no order was placed from that version (contracts/reminders.ts
 * reminderDecision). Otherwise the message is a no-op, counted by reason.
 *
 * A read or a publish that fails is a batch item failure: SQS offers the message again after the
 * visibility timeout, then moves it to the DLQ (alarmed). A message that is not a reminder can
 * never succeed: it stays a failure until the DLQ. Delivery is at least once, so CartAbandoned may
 * come twice for one version: (customerId, cartVersion) identifies it for its consumers.
 * Logs name the message and the version, never the customer or the cart's contents.
 */
const processor = new BatchProcessor(EventType.SQS);
const { partitionKey, ttlAttribute } = TABLE_KEYS.carts;
const A = CART_ATTRIBUTES;

/** Exactly what the decision and the event need; the role may read no other attribute (ADR 30). */
export const PROJECTED_ATTRIBUTES = [A.items, A.version, A.orderedVersion, A.updatedAt, ttlAttribute] as const;

interface Settings {
  readonly tableName: string;
  readonly eventBusName: string;
}

function parseMessage(record: SQSRecord): CartReminderMessage {
  return parseMessageBody(record, CartReminderMessageSchema, 'a cart reminder');
}

async function readCart(tableName: string, customerId: string): Promise<Record<string, unknown> | undefined> {
  const names = Object.fromEntries(PROJECTED_ATTRIBUTES.map((a, i) => [`#a${i}`, a]));
  const { Item } = await ddb.send(
    new GetCommand({
      TableName: tableName,
      Key: { [partitionKey]: customerId },
      ConsistentRead: true,
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
    }),
  );
  return Item;
}

/** The event's detail from the cart item (ids and counts only); undefined when the item is not a well-formed cart. */
function abandonedDetail(message: CartReminderMessage, item: Record<string, unknown>): CartAbandonedDetail | undefined {
  const items = (item[A.items] as unknown[]).map((line) => line as { productId?: unknown; quantity?: unknown });
  const parsed = CartAbandonedDetailSchema.safeParse({
    schemaVersion: CART_REMINDER_SCHEMA_VERSION,
    customerId: message.customerId,
    cartVersion: message.cartVersion,
    cartUpdatedAt: item[A.updatedAt],
    itemCount: items.reduce((sum, line) => sum + Number(line?.quantity), 0),
    productIds: items.map((line) => line?.productId),
  });
  return parsed.success ? parsed.data : undefined;
}

async function remind(record: SQSRecord, settings: Settings): Promise<void> {
  const message = parseMessage(record);
  const { messageId } = record;
  const { cartVersion } = message;
  try {
    const item = await readCart(settings.tableName, message.customerId);
    const decision = reminderDecision(message, item, Date.now(), ttlAttribute);
    if (!decision.send) {
      logger.info('No reminder', { messageId, cartVersion, reason: decision.reason });
      countNow(METRIC_NAMES.cartRemindersSkipped, { reason: decision.reason });
      return;
    }
    const detail = abandonedDetail(message, item!);
    if (!detail) {
      logger.error('The cart is not well formed; left for the DLQ', { messageId, cartVersion });
      throw new Error(`The cart of message ${messageId} is not well formed`);
    }
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: settings.eventBusName,
            Source: CART_EVENT_SOURCE,
            DetailType: CART_ABANDONED_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      throw Object.assign(new Error(`PutEvents refused CartAbandoned: ${out.Entries?.[0]?.ErrorCode ?? 'unknown'}`), {
        name: out.Entries?.[0]?.ErrorCode ?? 'PutEventsFailed',
      });
    }
    countNow(METRIC_NAMES.cartsAbandoned);
    logger.info('CartAbandoned published', { messageId, cartVersion, itemCount: detail.itemCount });
  } catch (error) {
    logger.warn('Reminder failed; the message is offered again', { messageId, cartVersion, error: errorName(error) });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  startInvocation(undefined, context);
  const settings = {
    tableName: requireEnv(HANDLER_ENV.cartsTable),
    eventBusName: requireEnv(HANDLER_ENV.eventBusName),
  };
  return processPartialResponse(event, (record: SQSRecord) => remind(record, settings), processor, {
    context,
    throwOnFullBatchFailure: false,
  });
};
