import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InventoryLowDetail } from '../../lib/contracts/events';
import { HANDLER_ENV } from '../../lib/contracts/handler-env';
import type { OrderItem } from '../../lib/contracts/order';
import { OrderItemsInputSchema } from '../../lib/contracts/steps';
import type { OrderItemsInput } from '../../lib/contracts/steps';
import { ddb, isConditionalCheckFailed, tryConditionalWrite } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { OutOfStock } from '../shared/errors';
import { eventBridge } from '../shared/eventbridge';
import { stepHandler } from '../shared/handler';
import { mergeItems, releaseUpdate } from '../shared/inventory';
import { logger } from '../shared/logger';
import { inventoryLowBatches, inventoryLowDetail, isLow } from './low-stock';
import type { StockLevel } from './low-stock';

interface ReserveInventoryResult {
  /** Every product of the order, sorted: reserved now or by an earlier attempt. */
  readonly reserved: string[];
  /** Products now below their reorder level (an `Inventory Low` event was sent for each). */
  readonly lowStock: string[];
}

type Reservation =
  | { readonly kind: 'reserved'; readonly level: StockLevel }
  | { readonly kind: 'already-reserved'; readonly level: StockLevel }
  | { readonly kind: 'unavailable'; readonly message: string };

/** Reserves one item with a conditional update; on a failed condition, reads the item to learn why. */
async function reserveItem(tableName: string, orderId: string, item: OrderItem): Promise<Reservation> {
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { productId: item.productId },
        UpdateExpression: 'SET stock = stock - :q ADD reservedOrders :oidSet',
        ConditionExpression: 'attribute_exists(productId) AND stock >= :q AND NOT contains(reservedOrders, :oid)',
        ExpressionAttributeValues: { ':q': item.quantity, ':oid': orderId, ':oidSet': new Set([orderId]) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { kind: 'reserved', level: out.Attributes as StockLevel };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: { productId: item.productId }, ConsistentRead: true }),
  );
  if (!Item) return { kind: 'unavailable', message: `Product ${item.productId} is not in the catalog` };
  const reservedOrders = Item.reservedOrders as Set<string> | undefined;
  if (reservedOrders?.has(orderId)) return { kind: 'already-reserved', level: Item as StockLevel };
  return {
    kind: 'unavailable',
    message: `Out of stock: product ${item.productId} has ${String(Item.stock)} left, order needs ${item.quantity}`,
  };
}

/** Gives back what this call reserved (an earlier attempt's reservations are left to ReleaseInventory). */
async function undo(tableName: string, orderId: string, items: readonly OrderItem[]): Promise<void> {
  for (const item of items)
    await tryConditionalWrite(() => ddb.send(new UpdateCommand(releaseUpdate(tableName, orderId, item))));
}

async function publishLowStock(eventBusName: string, details: readonly InventoryLowDetail[]): Promise<void> {
  for (const entries of inventoryLowBatches(details, eventBusName)) {
    const out = await eventBridge.send(new PutEventsCommand({ Entries: entries }));
    if ((out.FailedEntryCount ?? 0) > 0) {
      const codes = (out.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean);
      throw new Error(`PutEvents failed for ${out.FailedEntryCount} Inventory Low events: ${codes.join(', ')}`);
    }
  }
}

async function reserveInventory({ orderId, items }: OrderItemsInput): Promise<ReserveInventoryResult> {
  const tableName = requireEnv(HANDLER_ENV.catalogTable);
  const eventBusName = requireEnv(HANDLER_ENV.eventBusName);

  const merged = mergeItems(items);
  const reservedNow: OrderItem[] = [];
  const low: InventoryLowDetail[] = [];
  for (const item of merged) {
    const result = await reserveItem(tableName, orderId, item);
    if (result.kind === 'unavailable') {
      await undo(tableName, orderId, reservedNow);
      logger.info('Order out of stock; reservations of this attempt undone', {
        productId: item.productId,
        undone: reservedNow.map((i) => i.productId),
      });
      throw new OutOfStock(result.message, item.productId);
    }
    if (result.kind === 'reserved') reservedNow.push(item);
    else logger.warn('Item already reserved for this order (repeat delivery)', { productId: item.productId });
    // Also for items reserved earlier: that attempt may have failed before it sent its event
    // (restock is idempotent per order, so a repeated event is harmless).
    if (isLow(result.level)) low.push(inventoryLowDetail(result.level, orderId));
  }
  await publishLowStock(eventBusName, low);
  const result = { reserved: merged.map((i) => i.productId), lowStock: low.map((d) => d.productId) };
  logger.info('Inventory reserved', result);
  return result;
}

export const handler = stepHandler('reserve-inventory', OrderItemsInputSchema, reserveInventory);
