import type { OrderItem } from '@securecart/contracts/order';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * Merges lines of the same product (quantities add up) and sorts by product id, so concurrent
 * orders touch catalog items in the same order and a product is reserved once per order.
 */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of items) quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
  return [...quantities.keys()].sort().map((productId) => ({ productId, quantity: quantities.get(productId)! }));
}

/**
 * Gives back a reservation: stock returns, and the order leaves `reservedOrders`. The condition
 * makes it idempotent: once released (or committed by a shipment) it no longer applies.
 */
export function releaseUpdate(tableName: string, orderId: string, item: OrderItem): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { productId: item.productId },
    UpdateExpression: 'SET stock = stock + :q DELETE reservedOrders :oidSet',
    ConditionExpression: 'contains(reservedOrders, :oid)',
    ExpressionAttributeValues: { ':q': item.quantity, ':oid': orderId, ':oidSet': new Set([orderId]) },
  };
}
