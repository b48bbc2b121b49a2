/** Key schema of the DynamoDB tables, shared by the Data stack and every handler that reads them. */
export const TABLE_KEYS = {
  /** Products and stock: one item per product. */
  catalog: { partitionKey: 'productId' },
  /** Shopping carts, expired by TTL. */
  carts: { partitionKey: 'cartId', ttlAttribute: 'expiresAt' },
  /** Idempotency and side-effect records, keyed `<kind>#<orderId>`, expired by TTL. */
  idempotency: { partitionKey: 'id', ttlAttribute: 'expiration' },
  /** Payment-token and address claims (claims.ts), keyed `<kind>#<ref>`, expired by TTL. */
  orderClaims: { partitionKey: 'claimId', ttlAttribute: 'expiresAt' },
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
  /** What the product page says about it (plain text); the storefront shows nothing when absent. */
  readonly description?: string;
  /** The product's picture (contracts/catalog.ts: IMAGE_KEY_PATTERN, productImagePath). */
  readonly imageKey?: string;
  /** The picture's text alternative: what it shows, for a customer who cannot see it. */
  readonly imageAlt?: string;
  /** Where the catalog's filter lists it (DEFAULT_CATEGORY when absent). */
  readonly category?: string;
  /** Orders holding a reservation on this item (idempotency marker; removed on release or shipment). */
  readonly reservedOrders?: Set<string>;
  /** The order whose InventoryLow event last triggered a restock (restock idempotency). */
  readonly lastRestockTrigger?: string;
}

/**
 * Kinds of record in the Idempotency table; the key is `<kind>#<orderId>[#<sub-id>]`. `release` is
 * the release marker of an order (see `ReleaseMarker`), not a side effect.
 */
type IdempotencyKind = 'payment' | 'invoice' | 'shipment' | 'release' | 'label-void';
export const idempotencyKey = (kind: IdempotencyKind, orderId: string, subId?: string) =>
  subId === undefined ? `${kind}#${orderId}` : `${kind}#${orderId}#${subId}`;
/** How long side-effect records are kept (TTL), in days. */
export const IDEMPOTENCY_RECORD_TTL_DAYS = 30;

/**
 * The release marker, `release#<orderId>` in the Idempotency table: ReleaseInventory writes it
 * (once; a repeat keeps the first) before it gives any stock back, and from then on no reservation
 * of that order may stand. ReserveInventory reads it (strongly consistent) before it reserves and
 * again after, and gives back what it reserved when it finds it, so a reservation that lands after
 * the saga (an invocation still in flight when its Parallel branch was stopped, or a late retry)
 * never leaks stock. It expires with the table's TTL like the other records
 * (`IDEMPOTENCY_RECORD_TTL_DAYS`), far longer than any invocation of an execution can still run.
 */
export interface ReleaseMarker {
  readonly id: string;
  readonly kind: 'release';
  readonly orderId: string;
  /** When the first release of the order wrote it (ISO 8601). */
  readonly releasedAt: string;
  /** The TTL attribute (`TABLE_KEYS.idempotency.ttlAttribute`), epoch seconds. */
  readonly expiration: number;
}
