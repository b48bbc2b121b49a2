import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { OrderItemsInputSchema } from '@securecart/contracts/steps';
import type { OrderItemsInput } from '@securecart/contracts/steps';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { stepHandler } from '../shared/handler';
import { mergeItems, releaseUpdate } from '../shared/inventory';
import { logger } from '../shared/logger';
import { markReleased } from '../shared/release-marker';

interface ReleaseInventoryResult {
  /** Products whose reservation this call gave back. */
  readonly released: string[];
  /** Products with no reservation of this order (never reserved, already released or shipped). */
  readonly skipped: string[];
}

async function releaseInventory({ orderId, items }: OrderItemsInput): Promise<ReleaseInventoryResult> {
  const tableName = requireEnv(HANDLER_ENV.catalogTable);
  const idempotencyTable = requireEnv(HANDLER_ENV.idempotencyTable);

  // The release marker first, then the stock: from here on no reservation of this order can stand,
  // even one still in flight from a stopped ReserveInventory branch (lambda/shared/release-marker.ts).
  if (!(await markReleased(idempotencyTable, orderId)))
    logger.warn('Order released before (repeat delivery); releasing whatever is still reserved');
  const released: string[] = [];
  const skipped: string[] = [];
  for (const item of mergeItems(items)) {
    const applied = await tryConditionalWrite(() =>
      ddb.send(new UpdateCommand(releaseUpdate(tableName, orderId, item))),
    );
    (applied ? released : skipped).push(item.productId);
  }
  if (skipped.length > 0)
    logger.warn('Some items held no reservation of this order (released before or shipped)', { skipped });
  logger.info('Inventory released', { released, skipped });
  return { released, skipped };
}

export const handler = stepHandler('release-inventory', OrderItemsInputSchema, releaseInventory);
