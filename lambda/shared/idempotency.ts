import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { tryConditionalWrite, ddb } from './dynamodb';
import { IDEMPOTENCY_RECORD_TTL_DAYS } from '@securecart/contracts/tables';

const SECONDS_PER_DAY = 86_400;

/** Value of the Idempotency table's TTL attribute (`expiration`, epoch seconds) for a record written at `now`. */
export function expirationFor(now: Date = new Date()): number {
  return Math.floor(now.getTime() / 1000) + IDEMPOTENCY_RECORD_TTL_DAYS * SECONDS_PER_DAY;
}

/**
 * Writes a side-effect record to the Idempotency table unless one with the same key exists.
 * Returns the record that holds: the new one (`created: true`) or the one written first, read
 * consistently. `kind` and the TTL attribute are added here.
 */
export async function recordOnce<T extends Record<string, unknown>>(
  tableName: string,
  id: string,
  kind: string,
  record: T,
): Promise<{ created: boolean; item: Record<string, unknown> }> {
  const now = new Date();
  const item = { id, kind, ...record, expiration: expirationFor(now) };
  const created = await tryConditionalWrite(() =>
    ddb.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(id)' })),
  );
  if (created) return { created, item };
  const { Item } = await ddb.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }));
  if (!Item) throw new Error(`Record ${id} vanished during a conditional write`);
  return { created, item: Item };
}
