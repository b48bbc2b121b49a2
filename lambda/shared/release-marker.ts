import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { idempotencyKey } from '@securecart/contracts/tables';
import type { ReleaseMarker } from '@securecart/contracts/tables';
import { ddb, tryConditionalWrite } from './dynamodb';
import { expirationFor } from './idempotency';

/*
 * A release is final for its order: once ReleaseInventory has run, no reservation of that order
 * may stand.
 *
 * Why this is needed: ReserveInventory runs in a Parallel state. When another branch fails, Step
 * Functions fails the Parallel state and stops the branch, but it does not cancel a Lambda
 * invocation in flight (a first attempt or a retry). The saga then refunds and releases; the
 * release finds nothing to give back, and a moment later the stopped branch's invocation commits
 * its reservation. Nothing would ever release it.
 *
 * The protocol (release marker `release#<orderId>` in the Idempotency table, `ReleaseMarker`):
 *
 * - ReleaseInventory writes the marker first, then gives back every reservation it finds.
 * - ReserveInventory reads the marker before it reserves (refused: stock untouched), reserves, and
 *   reads the marker again; if it is there now, it gives back every reservation of the order and
 *   refuses.
 *
 * Each side writes, then reads what the other writes, and every read is strongly consistent (a
 * conditional update always reads the item's latest state; `isReleased` reads with
 * `ConsistentRead`, which reflects every write acknowledged before it). So if the release's
 * conditional update missed a reservation, that reservation was committed after the marker write
 * was acknowledged, and the reservation's second check, which starts after it, sees the marker.
 * Either the release gives the reservation back, or the reservation gives itself back; both use
 * the same conditional release, so stock is returned once.
 *
 * Not a DynamoDB transaction (a ConditionCheck on the marker with the reservation's update, in one
 * TransactWriteItems) because the engine the workflow tests run on (dynalite) has no transactions,
 * and ADR 5 keeps every step to single-item writes. What a transaction would add: an invocation
 * that dies between its reservation and its second check, during this race, leaves that
 * reservation standing (docs/adr/0005, Known limits).
 */

const markerKey = (orderId: string) => ({ id: idempotencyKey('release', orderId) });

/**
 * Writes the order's release marker unless it exists (a repeat keeps the first, with its TTL).
 * Resolves true when this call wrote it.
 */
export function markReleased(tableName: string, orderId: string, now: Date = new Date()): Promise<boolean> {
  const marker: ReleaseMarker = {
    ...markerKey(orderId),
    kind: 'release',
    orderId,
    releasedAt: now.toISOString(),
    expiration: expirationFor(now),
  };
  return tryConditionalWrite(() =>
    ddb.send(new PutCommand({ TableName: tableName, Item: marker, ConditionExpression: 'attribute_not_exists(id)' })),
  );
}

/** True when the order has been released: its marker exists (strongly consistent read). */
export async function isReleased(tableName: string, orderId: string): Promise<boolean> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: markerKey(orderId), ConsistentRead: true, ProjectionExpression: 'id' }),
  );
  return Item !== undefined;
}
