/**
 * The parts of the shared contracts (contracts) the storefront uses. Importing the individual
 * modules, not the barrel, keeps server-only code (event schemas, JSON Schema export) out of the
 * bundle.
 */
export { AddressSchema, PAYMENT_TOKEN_PATTERN } from '@securecart/contracts/order';
export type { Address, OrderItem } from '@securecart/contracts/order';
export { ORDER_STATUSES, OUTCOME_REASONS, TERMINAL_STATUSES } from '@securecart/contracts/status';
export type { OrderStatus, OutcomeReason } from '@securecart/contracts/status';
export { TEST_PAYMENT_TOKENS } from '@securecart/contracts/payment';

import { TERMINAL_STATUSES } from '@securecart/contracts/status';

/** True for FULFILLED, CANCELLED and FAILED: the order will not change any more. */
export const isTerminalStatus = (status: string): boolean => (TERMINAL_STATUSES as readonly string[]).includes(status);
