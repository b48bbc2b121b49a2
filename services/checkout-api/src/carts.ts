/**
 * Carts in the DynamoDB Carts table: one item per customer (key `cartId` = the token's sub),
 * expired by the table's TTL attribute. An item past its expiry that DynamoDB has not deleted yet
 * reads as an empty cart.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CartView } from '@securecart/contracts/http-api';
import type { OrderItem } from '@securecart/contracts/order';
import { TABLE_KEYS } from '@securecart/contracts/tables';

/** A customer's cart as GET and PUT /api/cart answer it (the contract's CartView). */
export type Cart = CartView;

const { partitionKey, ttlAttribute } = TABLE_KEYS.carts;

export class Carts {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays: number,
  ) {}

  async get(customerId: string): Promise<Cart> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { [partitionKey]: customerId }, ConsistentRead: true }),
    );
    const expiresAt = Number(Item?.[ttlAttribute]);
    if (!Item || !Number.isFinite(expiresAt) || expiresAt * 1000 <= Date.now()) {
      return { items: [], updatedAt: null, expiresAt: null };
    }
    const items = Array.isArray(Item.items) ? (Item.items as OrderItem[]) : [];
    return {
      items: items.map((i) => ({ productId: String(i.productId), quantity: Number(i.quantity) })),
      updatedAt: typeof Item.updatedAt === 'string' ? Item.updatedAt : null,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
    };
  }

  async put(customerId: string, items: OrderItem[]): Promise<Cart> {
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + this.ttlDays * 86_400;
    const updatedAt = new Date(now).toISOString();
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [partitionKey]: customerId, items, updatedAt, [ttlAttribute]: expiresAt },
      }),
    );
    return { items, updatedAt, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
}
