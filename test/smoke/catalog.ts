import { BatchWriteCommand, DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '@securecart/contracts';
import type { CatalogItem } from '@securecart/contracts';
import type { Clients } from './aws';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';

/*
 * What the smoke suite and the browser journey write into the deployed tables besides orders, and
 * remove afterwards: products of their own in the Catalog table (ids unique to the run) and a
 * customer's cart in the Carts table (the storefront and the suite write it through the checkout
 * service; the table's TTL would expire it, but not on an emulator).
 */

/** Writes the products, then reads each back (consistent read) so the service will find them. */
export async function seedCatalogItems(c: Clients, o: StackOutputs, items: readonly CatalogItem[]): Promise<void> {
  await c.doc.send(
    new BatchWriteCommand({ RequestItems: { [o.CatalogTableName]: items.map((Item) => ({ PutRequest: { Item } })) } }),
  );
  for (const item of items) {
    const { Item } = await c.doc.send(
      new GetCommand({ TableName: o.CatalogTableName, Key: { productId: item.productId }, ConsistentRead: true }),
    );
    if (!Item) throw new CheckFailure(`${item.productId} not readable after PutItem`);
  }
}

export async function removeCatalogItems(c: Clients, o: StackOutputs, items: readonly CatalogItem[]): Promise<void> {
  const keys = items.map((p) => ({ DeleteRequest: { Key: { productId: p.productId } } }));
  await c.doc.send(new BatchWriteCommand({ RequestItems: { [o.CatalogTableName]: keys } }));
}

export async function removeCart(c: Clients, o: StackOutputs, customerId: string): Promise<void> {
  await c.doc.send(
    new DeleteCommand({ TableName: o.CartsTableName, Key: { [TABLE_KEYS.carts.partitionKey]: customerId } }),
  );
}
