import { HANDLER_ENV } from '@securecart/contracts/env';
import { CreateInvoiceInputSchema } from '@securecart/contracts/steps';
import type { CreateInvoiceInput } from '@securecart/contracts/steps';
import { idempotencyKey } from '@securecart/contracts/tables';
import { requireEnv } from '../shared/env';
import { stepHandler } from '../shared/handler';
import { sha256Hex } from '../shared/hash';
import { recordOnce } from '../shared/idempotency';
import { logger } from '../shared/logger';

interface CreateInvoiceResult {
  readonly invoiceNumber: string;
  readonly totalCents: number;
}

/** Deterministic, so a retried invocation issues the same invoice. */
export const invoiceNumberFor = (orderId: string): string => `INV-${sha256Hex(orderId).slice(0, 12).toUpperCase()}`;

/** Throws unless every line total is quantity × unit price and the total is their sum. */
function assertTotals(input: CreateInvoiceInput): void {
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

async function createInvoice(input: CreateInvoiceInput): Promise<CreateInvoiceResult> {
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
}

export const handler = stepHandler('create-invoice', CreateInvoiceInputSchema, createInvoice);
