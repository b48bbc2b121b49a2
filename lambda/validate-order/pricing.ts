import type { OrderItem, PricedLine, Shipment } from '@securecart/contracts/order';

/** What pricing reads from a Catalog item (untrusted until checked: the table is shared). */
export type CatalogRow = Record<string, unknown>;

type PricingResult = { ok: true; lines: PricedLine[]; totalCents: number } | { ok: false; problems: string[] };

const isCents = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Prices merged order items from the catalog. Unknown or inactive products are the customer's
 * problem (returned as problems → InvalidOrder); a malformed catalog item is ours (thrown).
 */
export function priceItems(items: readonly OrderItem[], catalog: ReadonlyMap<string, CatalogRow>): PricingResult {
  const problems: string[] = [];
  const lines: PricedLine[] = [];
  for (const { productId, quantity } of items) {
    const row = catalog.get(productId);
    if (!row) {
      problems.push(`items: unknown product '${productId}'`);
      continue;
    }
    if (row.active !== true) {
      problems.push(`items: product '${productId}' is not available`);
      continue;
    }
    const { priceCents, name, warehouse } = row;
    if (!isCents(priceCents) || typeof name !== 'string' || typeof warehouse !== 'string' || warehouse === '') {
      throw new Error(`Catalog item '${productId}' is malformed (priceCents, name and warehouse are required)`);
    }
    lines.push({
      productId,
      name,
      quantity,
      unitPriceCents: priceCents,
      lineTotalCents: priceCents * quantity,
      warehouse,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
  if (!Number.isSafeInteger(totalCents)) throw new Error(`Order total overflows: ${totalCents}`);
  return { ok: true, lines, totalCents };
}

/**
 * One shipment per warehouse, sorted by warehouse; items keep the order of the lines.
 * The id is deterministic (`<orderId>-<warehouse>`), so a retried validation yields the same shipments.
 */
export function splitShipments(orderId: string, lines: readonly PricedLine[]): Shipment[] {
  const byWarehouse = new Map<string, OrderItem[]>();
  for (const { warehouse, productId, quantity } of lines) {
    const items = byWarehouse.get(warehouse) ?? [];
    items.push({ productId, quantity });
    byWarehouse.set(warehouse, items);
  }
  return [...byWarehouse.keys()]
    .sort()
    .map((warehouse) => ({ shipmentId: `${orderId}-${warehouse}`, warehouse, items: byWarehouse.get(warehouse)! }));
}
