import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DETAIL_TYPES, EVENT_SOURCES } from '@securecart/contracts/events';
import type { InventoryLowDetail } from '@securecart/contracts/events';

/** The catalog fields the low-stock check reads. */
export interface StockLevel {
  readonly productId: string;
  readonly stock: number;
  readonly reorderLevel: number;
  readonly reorderQuantity: number;
}

export const isLow = (item: StockLevel): boolean => item.stock < item.reorderLevel;

export function inventoryLowDetail(item: StockLevel, orderId: string): InventoryLowDetail {
  const { productId, stock, reorderLevel, reorderQuantity } = item;
  return { productId, stock, reorderLevel, reorderQuantity, orderId };
}

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/** One `Inventory Low` entry per detail, in batches PutEvents accepts. */
export function inventoryLowBatches(
  details: readonly InventoryLowDetail[],
  eventBusName: string,
): PutEventsRequestEntry[][] {
  const entries = details.map((detail) => ({
    EventBusName: eventBusName,
    Source: EVENT_SOURCES.inventory,
    DetailType: DETAIL_TYPES.inventoryLow,
    Detail: JSON.stringify(detail),
  }));
  const batches: PutEventsRequestEntry[][] = [];
  for (let i = 0; i < entries.length; i += PUT_EVENTS_MAX_ENTRIES)
    batches.push(entries.slice(i, i + PUT_EVENTS_MAX_ENTRIES));
  return batches;
}
