import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { claimKey, orderClaims, usableClaim } from '@securecart/contracts/claims';
import type { ClaimKind, PaymentClaim, ShippingClaim } from '@securecart/contracts/claims';
import type { Order } from '@securecart/contracts/order';
import { ddb, tryConditionalWrite } from './dynamodb';

/*
 * The OrderClaims table (contracts/claims.ts, docs/adr/0019): start-fulfillment puts an order's
 * claims; process-payment reads the payment claim and deletes it once the charge is settled;
 * create-shipment reads the shipping claim; refund-payment deletes both. IAM limits each function
 * to these actions on the key prefixes it needs (lib/constructs/pipeline/order-claims.ts).
 */

/**
 * Puts the order's payment and shipping claims under `ref` (each only if absent: a key is never
 * overwritten). Returns the reference for the execution input.
 */
export async function putClaims(tableName: string, order: Order, ref: string, now = new Date()): Promise<void> {
  for (const claim of orderClaims(order, ref, now)) {
    const written = await tryConditionalWrite(() =>
      ddb.send(
        new PutCommand({ TableName: tableName, Item: claim, ConditionExpression: 'attribute_not_exists(claimId)' }),
      ),
    );
    if (!written) throw new Error(`Claim ${claim.kind} of order ${order.orderId} already exists under this reference`);
  }
}

/** The order's claim of this kind, read consistently; undefined when missing, expired or not this order's. */
export async function readClaim<K extends ClaimKind>(
  tableName: string,
  kind: K,
  ref: string,
  orderId: string,
  now = new Date(),
): Promise<(K extends 'payment' ? PaymentClaim : ShippingClaim) | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: { claimId: claimKey(kind, ref) }, ConsistentRead: true }),
  );
  return usableClaim(Item, kind, orderId, now);
}

/** Deletes the claims of these kinds (a claim already gone is fine). */
export async function deleteClaims(tableName: string, ref: string, kinds: readonly ClaimKind[]): Promise<void> {
  for (const kind of kinds) {
    await ddb.send(new DeleteCommand({ TableName: tableName, Key: { claimId: claimKey(kind, ref) } }));
  }
}
