import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { CommitShipmentInputSchema } from '@securecart/contracts/steps';
import type { CommitShipmentInput } from '@securecart/contracts/steps';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { stepHandler } from '../shared/handler';
import { mergeItems } from '../shared/inventory';
import { logger } from '../shared/logger';

interface CommitShipmentResult {
  /** Products whose reservation of this order became final. */
  readonly committed: string[];
  /** Products with no reservation of this order left (committed before, or released). */
  readonly skipped: string[];
}

/**
 * ShipOrder's last step (docs/adr/0029): the carrier picked the package up, so the goods left the
 * warehouse and the reservation becomes final (the order leaves `reservedOrders`, stock stays
 * down); a later ReleaseInventory skips these items. Idempotent: a repeat finds nothing to commit.
 */
async function commitShipment(input: CommitShipmentInput): Promise<CommitShipmentResult> {
  const tableName = requireEnv(HANDLER_ENV.catalogTable);
  const { orderId } = input;
  const committed: string[] = [];
  const skipped: string[] = [];
  for (const item of mergeItems(input.shipment.items)) {
    const applied = await tryConditionalWrite(() =>
      ddb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { productId: item.productId },
          UpdateExpression: 'DELETE reservedOrders :oidSet',
          ConditionExpression: 'contains(reservedOrders, :oid)',
          ExpressionAttributeValues: { ':oid': orderId, ':oidSet': new Set([orderId]) },
        }),
      ),
    );
    (applied ? committed : skipped).push(item.productId);
  }
  if (skipped.length > 0) logger.warn('No reservation to commit (already committed)', { skipped });
  logger.info('Shipment committed', { shipmentId: input.shipment.shipmentId, committed });
  return { committed, skipped };
}

export const handler = stepHandler('commit-shipment', CommitShipmentInputSchema, commitShipment);
