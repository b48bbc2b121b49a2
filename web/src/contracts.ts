/**
 * The parts of the shared contracts (contracts) the storefront uses. Importing the individual
 * modules, not the barrel, keeps server-only code (event schemas, JSON Schema export) out of the
 * bundle.
 */
export { AddressSchema, ORDER_LIMITS, PAYMENT_TOKEN_PATTERN } from '@securecart/contracts/order';
export type { Address, OrderItem } from '@securecart/contracts/order';
export { OUTCOME_REASONS, isTerminalStatus } from '@securecart/contracts/status';
export type { OrderStatus, OutcomeReason } from '@securecart/contracts/status';
export { TEST_PAYMENT_TOKENS } from '@securecart/contracts/payment';
export type {
  CartView,
  CreateOrderBody,
  OrderAccepted,
  OrderList,
  OrderView,
  ProductView,
  StatusEntry,
} from '@securecart/contracts/http-api';
