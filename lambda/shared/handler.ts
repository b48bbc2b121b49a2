import type { Context, EventBridgeEvent } from 'aws-lambda';
import { formatIssues } from '@securecart/contracts/problems';
import type * as z from '@securecart/contracts/zod';
import { InvalidInput } from './errors';
import { startInvocation } from './logger';

/*
 * The one way a handler checks its input: the wrapper starts the invocation's logging (with the
 * raw input's order id when it has one), checks the input against the step's contract schema and
 * throws, naming every problem as `path: message` (the contracts' formatIssues; a problem with the
 * whole value is named `input`), before the handler's body runs. The body gets the parsed, typed
 * input.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at `path` in an untrusted input, if there is one. */
function valueAt(input: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), input);
}

interface StepHandlerOptions {
  /** Where the raw input carries the order id (for logging before validation). @default ['orderId'] */
  readonly orderIdPath?: readonly string[];
  /** The error thrown for invalid input. @default InvalidInput naming the handler */
  readonly invalid?: (problems: string[]) => Error;
}

/** A workflow step's handler: checks the input against `schema`, then runs `body` with the parsed input. */
export function stepHandler<S extends z.ZodMiniType, R>(
  name: string,
  schema: S,
  body: (input: z.output<S>) => Promise<R>,
  options: StepHandlerOptions = {},
): (event: z.input<S>, context?: Context) => Promise<R> {
  const orderIdPath = options.orderIdPath ?? ['orderId'];
  const invalid = options.invalid ?? ((problems: string[]) => new InvalidInput(name, problems));
  return async (event, context) => {
    startInvocation(valueAt(event, orderIdPath), context);
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw invalid(formatIssues(parsed.error.issues, 'input'));
    return body(parsed.data);
  };
}

/**
 * Checks an EventBridge event of one detail type against its contract schema and returns the
 * detail; throws InvalidInput naming every problem (not an object, wrong detail-type, schema
 * violations of the detail).
 */
function parseEventDetail<S extends z.ZodMiniType>(
  event: unknown,
  detailType: string,
  schema: S,
  handlerName: string,
): z.output<S> {
  const problems: string[] = [];
  const envelope = isRecord(event) ? event : (problems.push('event: expected an object'), {});
  if (envelope['detail-type'] !== detailType) problems.push(`detail-type: expected '${detailType}'`);
  const result = schema.safeParse(envelope.detail);
  if (!result.success) problems.push(...formatIssues(result.error.issues, 'input', ['detail']));
  if (problems.length > 0) throw new InvalidInput(handlerName, problems);
  return result.data as z.output<S>;
}

/** An EventBridge rule target's handler: checks the event's detail-type and detail, then runs `body` with the detail. */
export function eventHandler<D extends string, S extends z.ZodMiniType, R>(
  name: string,
  detailType: D,
  detailSchema: S,
  body: (detail: z.output<S>) => Promise<R>,
): (event: EventBridgeEvent<D, z.input<S>>, context?: Context) => Promise<R> {
  return async (event, context) => {
    startInvocation(valueAt(event, ['detail', 'orderId']), context);
    return body(parseEventDetail(event, detailType, detailSchema, name));
  };
}
