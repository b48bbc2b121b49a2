import { ClickEventSchema } from './clickstream';
import { COMPLIANCE_DETAIL_SCHEMAS, COMPLIANCE_DETAIL_TYPES, COMPLIANCE_SOURCE } from './compliance';
import type { ComplianceDetailType } from './compliance';
import { CART_ABANDONED_DETAIL_TYPE, CART_EVENT_SOURCE, CartAbandonedDetailSchema } from './reminders';
import { PICKUP_REQUESTED_DETAIL_TYPE, PickupRequestedDetailSchema } from './steps';
import * as z from './zod';
import { DETAIL_TYPES, EVENT_SOURCES, InventoryLowDetailSchema, ScreeningRequestedDetailSchema } from './events';
import { OrderSchema } from './order';
import { OrderStatusEventSchema } from './status';

/** An EventBridge event envelope around a detail schema. */
const eventEnvelope = (source: string, detailType: string, detail: z.ZodMiniType) =>
  z.object({
    version: z.string(),
    id: z.string(),
    'detail-type': z.literal(detailType),
    source: z.literal(source),
    account: z.string(),
    time: z.string(),
    region: z.string(),
    resources: z.array(z.string()),
    detail,
  });

/** A registry name for a detail-type: `Fraud Review Timed Out` → `FraudReviewTimedOut`. */
const schemaSuffix = (detailType: string) => detailType.replace(/[^A-Za-z0-9]+/g, '');

/** What the audit account receives for each compliance detail-type (ADR 28). */
const COMPLIANCE_DESCRIPTIONS: Record<ComplianceDetailType, string> = {
  [COMPLIANCE_DETAIL_TYPES.fraudRejected]:
    'Compliance: fraud screening rejected an order (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.fraudReviewTimedOut]:
    'Compliance: a manual fraud review timed out and the order was cancelled (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.paymentDeclined]:
    'Compliance: the payment provider declined an order (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.orderFailed]: 'Compliance: an order ended FAILED (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.refundIssued]: 'Compliance: a refund was issued (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.refundFailed]: 'Compliance: a refund failed for good (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.messageSidelined]:
    'Compliance: a pipeline message was sidelined to a dead-letter queue (forwarded to the audit bus).',
  [COMPLIANCE_DETAIL_TYPES.authorizationFailuresRepeated]:
    'Compliance: repeated 401/403 answers for one principal or client within a window (forwarded to the audit bus).',
};

interface PublishedSchema {
  /** Schema name in the registry. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema draft 4 document, as the EventBridge schema registry accepts it. */
  readonly content: Record<string, unknown>;
}

/**
 * Every contract SecureCart publishes to its EventBridge schema registry, generated from the zod
 * schemas the handlers validate with, so the registry cannot drift from the code.
 */
export function publishedSchemas(): PublishedSchema[] {
  const draft4 = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { target: 'draft-4' }) as Record<string, unknown>;
  return [
    {
      name: `${EVENT_SOURCES.fulfillment}@OrderScreeningRequested`,
      description: 'The fulfillment workflow asks for a fraud decision; answer with the task token.',
      content: draft4(
        eventEnvelope(EVENT_SOURCES.fulfillment, DETAIL_TYPES.screeningRequested, ScreeningRequestedDetailSchema),
      ),
    },
    {
      name: `${EVENT_SOURCES.inventory}@InventoryLow`,
      description: 'Stock of a product fell below its reorder level.',
      content: draft4(eventEnvelope(EVENT_SOURCES.inventory, DETAIL_TYPES.inventoryLow, InventoryLowDetailSchema)),
    },
    {
      name: 'securecart@Order',
      description: 'The order message on orders.fifo (group = customerId, deduplication id = orderId).',
      content: draft4(OrderSchema),
    },
    {
      name: 'securecart@OrderStatusEvent',
      description: 'A status change on the OrderEvents SNS topic (message attribute `status`).',
      content: draft4(OrderStatusEventSchema),
    },
    {
      name: `${EVENT_SOURCES.fulfillment}@${schemaSuffix(PICKUP_REQUESTED_DETAIL_TYPE)}`,
      description: 'ShipOrder asks the carrier for a pickup; answer with the task token (heartbeat while pending).',
      content: draft4(
        eventEnvelope(EVENT_SOURCES.fulfillment, PICKUP_REQUESTED_DETAIL_TYPE, PickupRequestedDetailSchema),
      ),
    },
    {
      name: `${CART_EVENT_SOURCE}@${schemaSuffix(CART_ABANDONED_DETAIL_TYPE)}`,
      description: "A signed-in customer's cart was left untouched for the reminder delay and not ordered.",
      content: draft4(eventEnvelope(CART_EVENT_SOURCE, CART_ABANDONED_DETAIL_TYPE, CartAbandonedDetailSchema)),
    },
    ...Object.values(COMPLIANCE_DETAIL_TYPES).map((detailType) => ({
      name: `${COMPLIANCE_SOURCE}@${schemaSuffix(detailType)}`,
      description: COMPLIANCE_DESCRIPTIONS[detailType],
      content: draft4(eventEnvelope(COMPLIANCE_SOURCE, detailType, COMPLIANCE_DETAIL_SCHEMAS[detailType])),
    })),
    {
      name: 'securecart@ClickEvent',
      description: 'One clickstream event: the data of a Kinesis record (partition key = sessionId).',
      content: draft4(ClickEventSchema),
    },
  ];
}
