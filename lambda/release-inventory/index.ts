import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { HANDLER_ENV } from '../../lib/contracts/handler-env';
import { conditionMet, ddb } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { mergeItems, parseOrderItemsInput, releaseUpdate } from '../shared/inventory';
import type { OrderItemsInput } from '../shared/inventory';
import { logger, orderIdOf, startInvocation } from '../shared/logger';

export type ReleaseInventoryInput = OrderItemsInput;

export interface ReleaseInventoryResult {
  /** Products whose reservation this call gave back. */
  readonly released: string[];
  /** Products with no reservation of this order (never reserved, already released or shipped). */
  readonly skipped: string[];
}

export const parseInput = (event: unknown): ReleaseInventoryInput => parseOrderItemsInput(event, 'release-inventory');

export const handler = async (event: ReleaseInventoryInput, context?: Context): Promise<ReleaseInventoryResult> => {
  startInvocation(orderIdOf(event), context);
  const { orderId, items } = parseInput(event);
  const tableName = requireEnv(HANDLER_ENV.catalogTable);

  const released: string[] = [];
  const skipped: string[] = [];
  for (const item of mergeItems(items)) {
    const applied = await conditionMet(() => ddb.send(new UpdateCommand(releaseUpdate(tableName, orderId, item))));
    (applied ? released : skipped).push(item.productId);
  }
  if (skipped.length > 0)
    logger.warn('Some items held no reservation of this order (released before or shipped)', { skipped });
  logger.info('Inventory released', { released, skipped });
  return { released, skipped };
};
