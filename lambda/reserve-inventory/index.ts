import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InventoryLowDetail } from '@securecart/contracts/events';
import { HANDLER_ENV } from '@securecart/contracts/env';
import type { OrderItem } from '@securecart/contracts/order';
import { OrderItemsInputSchema } from '@securecart/contracts/steps';
import type { OrderItemsInput } from '@securecart/contracts/steps';
import { ddb, isConditionalCheckFailed, tryConditionalWrite } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { OutOfStock } from '../shared/errors';
import { eventBridge } from '../shared/eventbridge';
import { stepHandler } from '../shared/handler';
import { mergeItems, releaseUpdate } from '../shared/inventory';
import { logger } from '../shared/logger';
import { isReleased } from '../shared/release-marker';
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

/** Gives back these items' reservations of the order, where they stand; returns the products given back. */
async function undo(tableName: string, orderId: string, items: readonly OrderItem[]): Promise<string[]> {
  const undone: string[] = [];
  for (const item of items)
    if (await tryConditionalWrite(() => ddb.send(new UpdateCommand(releaseUpdate(tableName, orderId, item)))))
      undone.push(item.productId);
  return undone;
}

/**
 * The order was released (the saga ran) before this reservation could stand: nothing of it is
 * reserved. Only an invocation the workflow no longer waits for meets this (its Parallel branch
 * was stopped, so its result is discarded; see lambda/shared/release-marker.ts). Not in the
 * contracts on purpose, and not retried (only Lambda service errors and time-outs are): should a
 * live execution ever see it, the catch-all ends the order FAILED, alarmed.
 */
export class OrderReleased extends Error {
  constructor(readonly orderId: string) {
    super(`Order ${orderId} was released before its reservation could stand; nothing is reserved`);
    this.name = 'OrderReleased';
  }
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
  const idempotencyTable = requireEnv(HANDLER_ENV.idempotencyTable);
  const eventBusName = requireEnv(HANDLER_ENV.eventBusName);

  // A release is final for its order (lambda/shared/release-marker.ts): check before reserving...
  if (await isReleased(idempotencyTable, orderId)) {
    logger.warn('Order already released (a stopped branch or a late retry); nothing reserved');
    throw new OrderReleased(orderId);
  }
  const merged = mergeItems(items);
  const reservedNow: OrderItem[] = [];
  const low: InventoryLowDetail[] = [];
  let released: boolean;
  try {
    for (const item of merged) {
      const result = await reserveItem(tableName, orderId, item);
      if (result.kind === 'unavailable') throw new OutOfStock(result.message, item.productId);
      if (result.kind === 'reserved') reservedNow.push(item);
      else logger.warn('Item already reserved for this order (repeat delivery)', { productId: item.productId });
      // Also for items reserved earlier: that attempt may have failed before it sent its event
      // (restock is idempotent per order, so a repeated event is harmless).
      if (isLow(result.level)) low.push(inventoryLowDetail(result.level, orderId));
    }
    // ...and again after: a release that ran meanwhile may have missed these reservations.
    released = await isReleased(idempotencyTable, orderId);
  } catch (error) {
    // Not confirmed: give back what this call reserved (an earlier attempt's reservations are left
    // to ReleaseInventory). A live workflow runs the saga on any error; for a stopped branch's
    // invocation, nothing else would give them back.
    const outOfStock = error instanceof OutOfStock;
    if (!outOfStock) logger.warn('Reserving failed; undoing the reservations of this attempt', { error });
    await undo(tableName, orderId, reservedNow);
    if (outOfStock)
      logger.info('Order out of stock; reservations of this attempt undone', {
        productId: error.productId,
        undone: reservedNow.map((i) => i.productId),
      });
    throw error;
  }
  if (released) {
    // The order was released while this call reserved: none of its reservations may stand.
    const givenBack = await undo(tableName, orderId, merged);
    logger.warn('Order released while reserving (a stopped branch or a late retry); reservations given back', {
      givenBack,
    });
    throw new OrderReleased(orderId);
  }
  await publishLowStock(eventBusName, low);
  const result = { reserved: merged.map((i) => i.productId), lowStock: low.map((d) => d.productId) };
  logger.info('Inventory reserved', result);
  return result;
}

export const handler = stepHandler('reserve-inventory', OrderItemsInputSchema, reserveInventory);
