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

/*
 * ShipOrder, the shipping sub-workflow (docs/adr/0029): OrderFulfillment starts one child execution
 * per package of its shipments Map (`states:startExecution.sync:2`) and reads its output. The
 * child's input carries the claim reference, never the address (ADR 19): only its CreateShipment
 * step reads the shipping claim.
 */

/** The errors a ShipOrder execution fails with (its Fail states); the parent's saga handles each. */
export const SHIP_ORDER_ERRORS = {
  /** The carrier refused the shipment (an undeliverable address) or the shipping claim is gone. */
  shipmentFailed: 'ShipmentFailed',
  /** The carrier did not answer the booking, after retries. */
  carrierUnavailable: 'CarrierUnavailable',
  /** No pickup confirmation (or no heartbeat) from the carrier in time. */
  pickupTimedOut: 'PickupTimedOut',
} as const;
export type ShipOrderError = (typeof SHIP_ORDER_ERRORS)[keyof typeof SHIP_ORDER_ERRORS];

/** What a ShipOrder execution receives: CreateShipment's input (one package of the order). */
export const ShipOrderInputSchema = CreateShipmentInputSchema;
export type ShipOrderInput = CreateShipmentInput;

/**
 * The child execution's name: the order id and the package's position in the order's shipments
 * (`<orderId>-pkg<index>`), built in the parent's Map (States.Format), so a restarted parent
 * starts no second child for a package. Order ids match ORDER_ID_PATTERN (64 characters at most of
 * [A-Za-z0-9_-]), so the name fits Step Functions' rules (80 characters, no whitespace, brackets,
 * wildcards or special characters) whatever a warehouse or shipment id holds.
 */
export const shipOrderExecutionName = (orderId: string, packageIndex: number): string =>
  `${orderId}-pkg${packageIndex}`;
/**
 * What the `startExecution.sync:2` Task fails with when an execution of that name exists and it
 * cannot be joined: it has closed (whatever its input), or it runs with another input. A start
 * with the same name and input as a RUNNING execution succeeds and follows that one.
 */
export const EXECUTION_ALREADY_EXISTS_ERROR = 'StepFunctions.ExecutionAlreadyExistsException';
/** Step Functions' execution-name rules (StartExecution `name`). */
export const EXECUTION_NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

/** The pickup request the child puts on the bus; the carrier answers its task token. No address. */
export const PICKUP_REQUESTED_DETAIL_TYPE = 'Carrier Pickup Requested';
export const PickupRequestedDetailSchema = z.object({
  orderId,
  shipmentId: nonEmptyText(200),
  warehouse: nonEmptyText(),
  carrier: nonEmptyText(),
  trackingNumber: nonEmptyText(),
  /** Answer with SendTaskSuccess (picked up) / SendTaskFailure; SendTaskHeartbeat while pending. */
  taskToken: nonEmptyText(),
});
export type PickupRequestedDetail = z.infer<typeof PickupRequestedDetailSchema>;

/** The carrier's pickup confirmation (the task's result). */
export const PickupConfirmationSchema = z.object({
  trackingNumber: nonEmptyText(),
  pickedUpAt: nonEmptyText(),
});
export type PickupConfirmation = z.infer<typeof PickupConfirmationSchema>;

/** CommitShipment: the package picked up; its items' reservations become final. */
export const CommitShipmentInputSchema = z.object({
  orderId,
  shipment: z.object({ shipmentId: nonEmptyText(200), items: nonEmptyList(StepItemSchema) }),
});
export type CommitShipmentInput = z.infer<typeof CommitShipmentInputSchema>;

/**
 * CancelShipment, ShipOrder's compensation (docs/adr/0029): a package whose label was created fails
 * (no pickup in time, the pickup refused, CommitShipment failing for good), so its label is voided
 * with the carrier before ShipOrder fails with the same error. `pickedUpAt` is the pickup
 * confirmation when there was one (null otherwise): the simulated carrier refuses to void the label
 * of a parcel it has already picked up.
 */
export const CancelShipmentInputSchema = z.object({
  orderId,
  shipmentId: nonEmptyText(200),
  carrier: nonEmptyText(),
  trackingNumber: nonEmptyText(),
  pickedUpAt: z.nullable(nonEmptyText()),
});
export type CancelShipmentInput = z.infer<typeof CancelShipmentInputSchema>;

/** What a ShipOrder execution outputs (the parent's `$.shipments[i]`). */
export const ShipOrderOutputSchema = z.object({
  shipmentId: nonEmptyText(200),
  carrier: nonEmptyText(),
  trackingNumber: nonEmptyText(),
  pickedUpAt: nonEmptyText(),
});
export type ShipOrderOutput = z.infer<typeof ShipOrderOutputSchema>;
