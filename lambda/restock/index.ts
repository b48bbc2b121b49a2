import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { DETAIL_TYPES, InventoryLowDetailSchema } from '@securecart/contracts/events';
import type { InventoryLowDetail } from '@securecart/contracts/events';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { ddb, isConditionalCheckFailed } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { eventHandler } from '../shared/handler';
import { logger } from '../shared/logger';

export type InventoryLowEvent = EventBridgeEvent<typeof DETAIL_TYPES.inventoryLow, InventoryLowDetail>;

type RestockResult = { readonly restocked: false } | { readonly restocked: true; readonly stock: number };

/**
 * A simulated supplier delivers `reorderQuantity` units at once. Idempotent per triggering order
 * (a repeated event finds `lastRestockTrigger` set to its order), and a no-op once stock is back
 * at or above the reorder level (another order's event restocked it already).
 */
async function restock(detail: InventoryLowDetail): Promise<RestockResult> {
  const tableName = requireEnv(HANDLER_ENV.catalogTable);
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { productId: detail.productId },
        UpdateExpression: 'SET stock = stock + :reorderQuantity, lastRestockTrigger = :orderId',
        ConditionExpression:
          'attribute_exists(productId) AND stock < reorderLevel AND (attribute_not_exists(lastRestockTrigger) OR lastRestockTrigger <> :orderId)',
        ExpressionAttributeValues: { ':reorderQuantity': detail.reorderQuantity, ':orderId': detail.orderId },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const stock = Number(out.Attributes?.stock);
    logger.info('Product restocked', { productId: detail.productId, added: detail.reorderQuantity, stock });
    return { restocked: true, stock };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    logger.warn('No restock: already restocked for this order, or stock no longer low', {
      productId: detail.productId,
    });
    return { restocked: false };
  }
}

export const handler = eventHandler('restock', DETAIL_TYPES.inventoryLow, InventoryLowDetailSchema, restock);
