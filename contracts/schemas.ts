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
  ];
}
