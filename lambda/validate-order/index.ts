import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { screeningReasons } from '@securecart/contracts/events';
import { HANDLER_ENV } from '@securecart/contracts/env';
import type { ValidatedOrder } from '@securecart/contracts/order';
import { ValidateOrderInputSchema } from '@securecart/contracts/steps';
import type { ValidateOrderInput } from '@securecart/contracts/steps';
import { ddb } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { InvalidOrder } from '../shared/errors';
import { stepHandler } from '../shared/handler';
import { mergeItems } from '../shared/inventory';
import { logger } from '../shared/logger';
import { screeningPolicyFromEnv } from '../shared/policy';
import { priceItems, splitShipments } from './pricing';
import type { CatalogRow } from './pricing';

/** BatchGet attempts before giving up on UnprocessedKeys (throttling); backoff with full jitter. */
export const CATALOG_READ_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the products with one consistent BatchGet (an order has at most 50 lines; BatchGet takes 100 keys). */
async function readCatalog(tableName: string, productIds: readonly string[]): Promise<Map<string, CatalogRow>> {
  const found = new Map<string, CatalogRow>();
  let keys: Record<string, unknown>[] = productIds.map((productId) => ({ productId }));
  for (let attempt = 1; keys.length > 0; attempt++) {
    if (attempt > CATALOG_READ_ATTEMPTS) {
      throw new Error(
        `Catalog read incomplete: ${keys.length} keys still unprocessed after ${CATALOG_READ_ATTEMPTS} attempts`,
      );
    }
    if (attempt > 1) {
      logger.warn('Catalog BatchGet returned unprocessed keys; retrying', { attempt, unprocessed: keys.length });
      await sleep(Math.random() * BACKOFF_BASE_MS * 2 ** attempt);
    }
    const out = await ddb.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
    );
    for (const row of out.Responses?.[tableName] ?? []) found.set(String(row.productId), row);
    keys = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return found;
}

/** The order is the customer's: a problem with it is a business error (InvalidOrder), not a wiring bug. */
function invalidOrder(problems: string[]): InvalidOrder {
  logger.info('Order rejected: invalid', { problems });
  return new InvalidOrder(`Invalid order: ${problems.join('; ')}`, problems);
}

async function validateOrder({ order }: ValidateOrderInput): Promise<ValidatedOrder> {
  const tableName = requireEnv(HANDLER_ENV.catalogTable);
  const policy = screeningPolicyFromEnv();

  const items = mergeItems(order.items);
  const catalog = await readCatalog(
    tableName,
    items.map((i) => i.productId),
  );
  const priced = priceItems(items, catalog);
  if (!priced.ok) {
    logger.info('Order rejected: unknown or unavailable products', { problems: priced.problems });
    throw new InvalidOrder(`Invalid order: ${priced.problems.join('; ')}`, priced.problems);
  }
  const { lines, totalCents } = priced;
  const itemCount = lines.reduce((n, line) => n + line.quantity, 0);
  if (order.clientTotalCents !== undefined && order.clientTotalCents !== totalCents) {
    logger.warn('Client total differs from catalog price; charging the catalog price', {
      clientTotalCents: order.clientTotalCents,
      totalCents,
    });
  }
  const shipments = splitShipments(order.orderId, lines);
  const reasons = screeningReasons(totalCents, order.shippingCountry, policy);
  logger.info('Order validated', {
    totalCents,
    itemCount,
    lines: lines.length,
    shipments: shipments.length,
    screeningReasons: reasons,
  });
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    lines,
    totalCents,
    itemCount,
    shipments,
    screeningRequired: reasons.length > 0,
    screeningReasons: reasons,
  };
}

export const handler = stepHandler('validate-order', ValidateOrderInputSchema, validateOrder, {
  orderIdPath: ['order', 'orderId'],
  invalid: invalidOrder,
});
