import * as z from './zod';
import { ClaimRefSchema, WorkflowOrderSchema } from './claims';
import { ORDER_ID_PATTERN, OrderItemSchema } from './order';

/*
 * Inputs of the fulfillment workflow's Lambda steps: what the state machine hands each handler.
 * Every handler checks its input against its schema before it does anything (a mismatch is a
 * wiring bug: InvalidInput, or InvalidOrder for ValidateOrder, whose input is the customer's order).
 * Unknown fields are accepted and dropped, so a step may be handed a richer object (priced lines
 * where items are expected).
 */

const orderId = z.string().check(z.regex(ORDER_ID_PATTERN));
const nonEmptyText = (maxLength?: number) =>
  z.string().check(z.minLength(1), ...(maxLength === undefined ? [] : [z.maxLength(maxLength)]));
const integer = (min: number) => z.number().check(z.int(), z.minimum(min));
const nonEmptyList = <T extends z.ZodMiniType>(item: T) => z.array(item).check(z.minLength(1));

/**
 * A line of a stock or shipment step: an order item, except that a quantity may exceed the order
 * schema's 100 per line (merged lines of one product add up).
 */
const StepItemSchema = z.extend(OrderItemSchema, { quantity: integer(1) });

/** ReserveInventory and ReleaseInventory. */
export const OrderItemsInputSchema = z.object({
  orderId,
  items: nonEmptyList(StepItemSchema),
});
export type OrderItemsInput = z.infer<typeof OrderItemsInputSchema>;

/**
 * ValidateOrder: the execution's order (without token and address: see WorkflowOrder); a problem
 * here is the customer's (InvalidOrder).
 */
export const ValidateOrderInputSchema = z.object({ order: WorkflowOrderSchema });
export type ValidateOrderInput = z.infer<typeof ValidateOrderInputSchema>;

/** ProcessPayment. */
export const ProcessPaymentInputSchema = z.object({
  orderId,
  customerId: nonEmptyText(128),
  amountCents: integer(1),
  /** The claim reference: the token is read from the order's payment claim, never passed. */
  claim: ClaimRefSchema,
  /** `$$.State.RetryCount`: 0 on the first try (and when absent). */
  attempt: z._default(integer(0), 0),
});
export type ProcessPaymentInput = z.infer<typeof ProcessPaymentInputSchema>;

/** RefundPayment. */
export const RefundPaymentInputSchema = z.object({ orderId, claim: ClaimRefSchema });
export type RefundPaymentInput = z.infer<typeof RefundPaymentInputSchema>;

/** A priced line (see `PricedLine`), as CreateInvoice checks it. */
const PricedLineSchema = z.object({
  productId: nonEmptyText(),
  name: nonEmptyText(),
  quantity: integer(1),
  unitPriceCents: integer(0),
  lineTotalCents: integer(0),
  warehouse: nonEmptyText(),
});

/** CreateInvoice. */
export const CreateInvoiceInputSchema = z.object({
  orderId,
  customerId: nonEmptyText(128),
  lines: nonEmptyList(PricedLineSchema),
  totalCents: integer(0),
});
export type CreateInvoiceInput = z.infer<typeof CreateInvoiceInputSchema>;

/** CreateShipment: one shipment of the order (a Map iteration) and where it goes. */
export const CreateShipmentInputSchema = z.object({
  orderId,
  shipment: z.object({
    shipmentId: nonEmptyText(200),
    warehouse: nonEmptyText(),
    items: nonEmptyList(StepItemSchema),
  }),
  /** The claim reference: the address is read from the order's shipping claim, never passed. */
  claim: ClaimRefSchema,
});
export type CreateShipmentInput = z.infer<typeof CreateShipmentInputSchema>;
