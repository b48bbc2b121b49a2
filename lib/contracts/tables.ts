/** Key schema of the DynamoDB tables, shared by the Data stack and every handler that reads them. */
export const TABLE_KEYS = {
  /** Products and stock: one item per product. */
  catalog: { partitionKey: 'productId' },
  /** Shopping carts, expired by TTL. */
  carts: { partitionKey: 'cartId', ttlAttribute: 'expiresAt' },
  /** Idempotency and side-effect records, keyed `<kind>#<orderId>`, expired by TTL. */
  idempotency: { partitionKey: 'id', ttlAttribute: 'expiration' },
} as const;

/** A Catalog item. Prices are integer US cents; stock is decremented by reservations. */
export interface CatalogItem {
  readonly productId: string;
  readonly name: string;
  readonly priceCents: number;
  readonly stock: number;
  /** Below this, an InventoryLow event is emitted. */
  readonly reorderLevel: number;
  /** How many units the restock handler orders. */
  readonly reorderQuantity: number;
  /** Shipments are split per warehouse. */
  readonly warehouse: string;
  readonly active: boolean;
  /** Orders holding a reservation on this item (idempotency marker; removed on release or shipment). */
  readonly reservedOrders?: Set<string>;
  /** The order whose InventoryLow event last triggered a restock (restock idempotency). */
  readonly lastRestockTrigger?: string;
}

/** Kinds of record in the Idempotency table; the key is `<kind>#<orderId>[#<sub-id>]`. */
type IdempotencyKind = 'payment' | 'invoice' | 'shipment';
export const idempotencyKey = (kind: IdempotencyKind, orderId: string, subId?: string) =>
  subId === undefined ? `${kind}#${orderId}` : `${kind}#${orderId}#${subId}`;
/** How long side-effect records are kept (TTL), in days. */
export const IDEMPOTENCY_RECORD_TTL_DAYS = 30;
