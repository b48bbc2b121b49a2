/**
 * Carts in the DynamoDB Carts table: one item per customer (key `cartId` = the token's sub),
 * expired by the table's TTL attribute. An item past its expiry that DynamoDB has not deleted yet
 * reads as an empty cart.
 *
 * Every write adds one to the item's `version` (an atomic ADD, so two concurrent writes never get
 * the same number); an order placed from the cart copies that version into `orderedVersion`. The
 * abandoned-cart reminder of a version fires only while it is still the current version and was
 * not ordered (contracts/reminders.ts, docs/adr/0030).
 */
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CartView } from '@securecart/contracts/http-api';
import type { OrderItem } from '@securecart/contracts/order';
import { CART_ATTRIBUTES } from '@securecart/contracts/reminders';
import { TABLE_KEYS } from '@securecart/contracts/tables';

/** A customer's cart as GET and PUT /api/cart answer it (the contract's CartView). */
export type Cart = CartView;

/** A written cart and the version the write gave it. */
export interface WrittenCart {
  readonly cart: Cart;
  readonly version: number;
}

const { partitionKey, ttlAttribute } = TABLE_KEYS.carts;
const A = CART_ATTRIBUTES;

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

  /** Replaces the items and moves the version on by one (the item keeps `orderedVersion`). */
  async put(customerId: string, items: OrderItem[]): Promise<WrittenCart> {
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + this.ttlDays * 86_400;
    const updatedAt = new Date(now).toISOString();
    const written = await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [partitionKey]: customerId },
        UpdateExpression: 'SET #items = :items, #updatedAt = :updatedAt, #ttl = :ttl ADD #version :one',
        ExpressionAttributeNames: {
          '#items': A.items,
          '#updatedAt': A.updatedAt,
          '#ttl': ttlAttribute,
          '#version': A.version,
        },
        ExpressionAttributeValues: { ':items': items, ':updatedAt': updatedAt, ':ttl': expiresAt, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const version = Number(written?.Attributes?.[A.version]);
    return { cart: { items, updatedAt, expiresAt: new Date(expiresAt * 1000).toISOString() }, version };
  }

  /**
   * Records that an order was placed from the cart as it is now: `orderedVersion` = `version`.
   * Nothing when the customer has no cart item (or one written before versions existed).
   * Resolves true when it was recorded.
   */
  async markOrdered(customerId: string): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: customerId },
          UpdateExpression: 'SET #ordered = #version',
          ConditionExpression: 'attribute_exists(#version)',
          ExpressionAttributeNames: { '#ordered': A.orderedVersion, '#version': A.version },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
