import { ORDER_ID_PATTERN } from '../../lib/contracts/order';
import type { OrderItem } from '../../lib/contracts/order';
import { InvalidInput } from './errors';

/*
 * Boundary checks for the workflow-internal handler inputs, whose shapes the contracts define as
 * TypeScript types only (the order, addresses and event details have contract schemas; handlers
 * use those). Each check records a readable `path: problem` and returns the value typed, so a
 * handler checks everything, then calls `assertValid` once, before doing anything.
 */
export type Problems = string[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, path: string, problems: Problems): Record<string, unknown> {
  if (isRecord(value)) return value;
  problems.push(`${path}: expected an object`);
  return {};
}

export function stringAt(
  value: unknown,
  path: string,
  problems: Problems,
  opts: { pattern?: RegExp; maxLength?: number } = {},
): string {
  if (typeof value !== 'string' || value.length === 0) {
    problems.push(`${path}: expected a non-empty string`);
    return '';
  }
  if (opts.maxLength !== undefined && value.length > opts.maxLength) {
    problems.push(`${path}: longer than ${opts.maxLength} characters`);
  } else if (opts.pattern && !opts.pattern.test(value)) {
    problems.push(`${path}: does not match ${opts.pattern}`);
  }
  return value;
}

export function orderIdAt(value: unknown, path: string, problems: Problems): string {
  return stringAt(value, path, problems, { pattern: ORDER_ID_PATTERN });
}

export function intAt(value: unknown, path: string, problems: Problems, opts: { min: number }): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < opts.min) {
    problems.push(`${path}: expected an integer >= ${opts.min}`);
    return 0;
  }
  return value;
}

/**
 * A non-empty list of `{ productId, quantity }`. Extra fields are ignored (priced lines are accepted),
 * and quantities are not capped at the order schema's 100: merged lines may exceed it.
 */
export function itemsAt(value: unknown, path: string, problems: Problems): OrderItem[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${path}: expected a non-empty array`);
    return [];
  }
  return value.map((raw, i) => {
    const item = objectAt(raw, `${path}.${i}`, problems);
    return {
      productId: stringAt(item.productId, `${path}.${i}.productId`, problems, { maxLength: 64 }),
      quantity: intAt(item.quantity, `${path}.${i}.quantity`, problems, { min: 1 }),
    };
  });
}

/** Throws InvalidInput listing every problem, before the handler has done anything. */
export function assertValid(handlerName: string, problems: Problems): void {
  if (problems.length > 0) throw new InvalidInput(handlerName, problems);
}

/** A contract schema's `safeParse` result, without importing zod here. */
export type SafeParseResult<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };

/** Readable `path: message` problems from a failed contract-schema parse, prefixed with `prefix`. */
export function schemaProblems(
  result: { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } },
  prefix: string,
): string[] {
  return result.error.issues.map((i) => `${[prefix, ...i.path.map(String)].join('.')}: ${i.message}`);
}

/**
 * Checks an EventBridge event of one detail type against its contract schema and returns the
 * detail; throws InvalidInput naming every problem (wrong detail-type, schema violations).
 */
export function parseEventDetail<T>(
  event: unknown,
  detailType: string,
  schema: { safeParse(value: unknown): SafeParseResult<T> },
  handlerName: string,
): T {
  const problems: Problems = [];
  const envelope = objectAt(event, 'event', problems);
  if (envelope['detail-type'] !== detailType) problems.push(`detail-type: expected '${detailType}'`);
  const result = schema.safeParse(envelope.detail);
  if (!result.success) problems.push(...schemaProblems(result, 'detail'));
  assertValid(handlerName, problems);
  return (result as { data: T }).data;
}
