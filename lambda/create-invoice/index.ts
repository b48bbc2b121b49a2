import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { HANDLER_ENV } from '../../lib/contracts/handler-env';
import type { PricedLine } from '../../lib/contracts/order';
import { idempotencyKey } from '../../lib/contracts/tables';
import { conditionMet, ddb } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { sha256Hex } from '../shared/hash';
import { expirationFor } from '../shared/idempotency';
import { logger, orderIdOf, startInvocation } from '../shared/logger';
import { assertValid, intAt, objectAt, orderIdAt, stringAt } from '../shared/validate';
import type { Problems } from '../shared/validate';

export interface CreateInvoiceInput {
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly PricedLine[];
  readonly totalCents: number;
}

export interface CreateInvoiceResult {
  readonly invoiceNumber: string;
  readonly totalCents: number;
}

/** Deterministic, so a retried invocation issues the same invoice. */
export const invoiceNumberFor = (orderId: string): string => `INV-${sha256Hex(orderId).slice(0, 12).toUpperCase()}`;

export function parseInput(event: unknown): CreateInvoiceInput {
  const problems: Problems = [];
  const input = objectAt(event, 'input', problems);
  const rawLines = Array.isArray(input.lines) && input.lines.length > 0 ? input.lines : (problems.push('lines: expected a non-empty array'), []);
  const lines: PricedLine[] = rawLines.map((raw: unknown, i: number) => {
    const line = objectAt(raw, `lines.${i}`, problems);
    return {
      productId: stringAt(line.productId, `lines.${i}.productId`, problems),
      name: stringAt(line.name, `lines.${i}.name`, problems),
      quantity: intAt(line.quantity, `lines.${i}.quantity`, problems, { min: 1 }),
      unitPriceCents: intAt(line.unitPriceCents, `lines.${i}.unitPriceCents`, problems, { min: 0 }),
      lineTotalCents: intAt(line.lineTotalCents, `lines.${i}.lineTotalCents`, problems, { min: 0 }),
      warehouse: stringAt(line.warehouse, `lines.${i}.warehouse`, problems),
    };
  });
  const parsed = {
    orderId: orderIdAt(input.orderId, 'orderId', problems),
    customerId: stringAt(input.customerId, 'customerId', problems, { maxLength: 128 }),
    lines,
    totalCents: intAt(input.totalCents, 'totalCents', problems, { min: 0 }),
  };
  assertValid('create-invoice', problems);
  return parsed;
}

/** Throws unless every line total is quantity × unit price and the total is their sum. */
export function assertTotals(input: CreateInvoiceInput): void {
  for (const line of input.lines) {
    if (line.lineTotalCents !== line.quantity * line.unitPriceCents) {
      throw new Error(`Invoice line ${line.productId}: ${line.quantity} × ${line.unitPriceCents} ≠ ${line.lineTotalCents}`);
    }
  }
  const sum = input.lines.reduce((s, line) => s + line.lineTotalCents, 0);
  if (sum !== input.totalCents) throw new Error(`Invoice total ${input.totalCents} does not equal the sum of its lines ${sum}`);
}

export const handler = async (event: CreateInvoiceInput, context?: Context): Promise<CreateInvoiceResult> => {
  startInvocation(orderIdOf(event), context);
  const input = parseInput(event);
  assertTotals(input);
  const tableName = requireEnv(HANDLER_ENV.idempotencyTable);
  const key = { id: idempotencyKey('invoice', input.orderId) };
  const invoiceNumber = invoiceNumberFor(input.orderId);
  const now = new Date();
  const created = await conditionMet(() =>
    ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...key,
          kind: 'invoice',
          orderId: input.orderId,
          customerId: input.customerId,
          invoiceNumber,
          lines: input.lines,
          totalCents: input.totalCents,
          issuedAt: now.toISOString(),
          expiration: expirationFor(now),
        },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    ),
  );
  if (!created) {
    const { Item } = await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    if (!Item) throw new Error(`Invoice record ${key.id} vanished during a conditional write`);
    if (Item.totalCents !== input.totalCents) {
      throw new Error(`Invoice ${String(Item.invoiceNumber)} already exists with total ${String(Item.totalCents)}, not ${input.totalCents}`);
    }
    logger.warn('Invoice already exists; returning it', { invoiceNumber: Item.invoiceNumber });
    return { invoiceNumber: String(Item.invoiceNumber), totalCents: Number(Item.totalCents) };
  }
  logger.info('Invoice created', { invoiceNumber, totalCents: input.totalCents });
  return { invoiceNumber, totalCents: input.totalCents };
};
