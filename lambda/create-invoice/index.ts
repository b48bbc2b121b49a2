import type { Context } from 'aws-lambda';
import { HANDLER_ENV } from '../../lib/contracts/handler-env';
import type { PricedLine } from '../../lib/contracts/order';
import { idempotencyKey } from '../../lib/contracts/tables';
import { requireEnv } from '../shared/env';
import { sha256Hex } from '../shared/hash';
import { recordOnce } from '../shared/idempotency';
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
  const rawLines =
    Array.isArray(input.lines) && input.lines.length > 0
      ? input.lines
      : (problems.push('lines: expected a non-empty array'), []);
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
      throw new Error(
        `Invoice line ${line.productId}: ${line.quantity} × ${line.unitPriceCents} ≠ ${line.lineTotalCents}`,
      );
    }
  }
  const sum = input.lines.reduce((s, line) => s + line.lineTotalCents, 0);
  if (sum !== input.totalCents)
    throw new Error(`Invoice total ${input.totalCents} does not equal the sum of its lines ${sum}`);
}

export const handler = async (event: CreateInvoiceInput, context?: Context): Promise<CreateInvoiceResult> => {
  startInvocation(orderIdOf(event), context);
  const input = parseInput(event);
  assertTotals(input);
  const tableName = requireEnv(HANDLER_ENV.idempotencyTable);
  const invoiceNumber = invoiceNumberFor(input.orderId);
  const { created, item } = await recordOnce(tableName, idempotencyKey('invoice', input.orderId), 'invoice', {
    orderId: input.orderId,
    customerId: input.customerId,
    invoiceNumber,
    lines: input.lines,
    totalCents: input.totalCents,
    issuedAt: new Date().toISOString(),
  });
  if (!created) {
    if (item.totalCents !== input.totalCents) {
      throw new Error(
        `Invoice ${String(item.invoiceNumber)} already exists with total ${String(item.totalCents)}, not ${input.totalCents}`,
      );
    }
    logger.warn('Invoice already exists; returning it', { invoiceNumber: item.invoiceNumber });
    return { invoiceNumber: String(item.invoiceNumber), totalCents: Number(item.totalCents) };
  }
  logger.info('Invoice created', { invoiceNumber, totalCents: input.totalCents });
  return { invoiceNumber, totalCents: input.totalCents };
};
