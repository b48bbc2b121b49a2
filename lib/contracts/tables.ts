/** Key schema of the DynamoDB tables, shared by the Data stack and every handler that reads them. */
export const TABLE_KEYS = {
  /** Products and stock: one item per product. */
  catalog: { partitionKey: 'productId' },
  /** Shopping carts, expired by TTL. */
  carts: { partitionKey: 'cartId', ttlAttribute: 'expiresAt' },
  /** Idempotency and side-effect records, keyed `<kind>#<orderId>`, expired by TTL. */
  idempotency: { partitionKey: 'id', ttlAttribute: 'expiration' },
} as const;
