/**
 * The parts of the shared contracts (contracts) the storefront uses. Importing the individual
 * modules, not the barrel, keeps server-only code (event schemas, JSON Schema export) out of the
 * bundle. This module is part of the initial JavaScript (the cart uses ORDER_LIMITS): what only a
 * lazy page needs is imported there directly (checkout.ts: TEST_PAYMENT_TOKENS), because
 * re-exporting it here makes Rolldown split the shared code into a second initial chunk (+0.9 KB
 * gzip, measured).
 */
export { AddressSchema, ORDER_LIMITS, PAYMENT_TOKEN_PATTERN } from '@securecart/contracts/order';
export type { Address, OrderItem } from '@securecart/contracts/order';
export { formatIssues } from '@securecart/contracts/problems';
export type { IssueLike } from '@securecart/contracts/problems';
export { OUTCOME_REASONS, isTerminalStatus } from '@securecart/contracts/status';
export type { OrderStatus, OutcomeReason } from '@securecart/contracts/status';
export type {
  CartView,
  CreateOrderBody,
  OrderAccepted,
  OrderList,
  OrderView,
  ProductView,
  StatusEntry,
} from '@securecart/contracts/http-api';
