import { BUSINESS_ERRORS, TRANSIENT_ERRORS } from '@securecart/contracts/errors';
import { DETAIL_TYPES, InventoryLowDetailSchema } from '@securecart/contracts/events';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { OrderItemsInputSchema } from '@securecart/contracts/steps';
import { TABLE_KEYS } from '@securecart/contracts/tables';
import { positiveIntEnv, requireEnv } from '../../lambda/shared/env';
import * as errors from '../../lambda/shared/errors';
import { eventHandler, stepHandler } from '../../lambda/shared/handler';
import { expirationFor } from '../../lambda/shared/idempotency';
import { mergeItems } from '../../lambda/shared/inventory';
import { logger, startInvocation } from '../../lambda/shared/logger';
import {
  cancel,
  charge,
  chargeIdFor,
  providerLedger,
  ProviderHttpError,
  refund,
  refundIdFor,
  retrieve,
} from '../../lambda/shared/payment-provider';
import { parseCountryList } from '../../lambda/shared/policy';
import { rejectionOf } from './support/fixtures';
import { captureLogs } from './support/logs';

const logs = captureLogs();

describe('table keys', () => {
  it('are the attribute names the handlers write and use in expressions', () => {
    expect(TABLE_KEYS.catalog.partitionKey).toBe('productId');
    expect(TABLE_KEYS.idempotency).toEqual({ partitionKey: 'id', ttlAttribute: 'expiration' });
  });
});

describe('shared/errors', () => {
  const CLASSES = [
    [errors.InvalidOrder, BUSINESS_ERRORS.invalidOrder],
    [errors.PaymentDeclined, BUSINESS_ERRORS.paymentDeclined],
    [errors.OutOfStock, BUSINESS_ERRORS.outOfStock],
    [errors.ShipmentFailed, BUSINESS_ERRORS.shipmentFailed],
    [errors.PaymentClaimMissing, BUSINESS_ERRORS.paymentClaimMissing],
    [errors.PaymentProviderUnavailable, TRANSIENT_ERRORS.paymentProviderUnavailable],
    [errors.CarrierUnavailable, TRANSIENT_ERRORS.carrierUnavailable],
  ] as const;

  it.each(CLASSES)('%p is named %s, the name the workflow catches', (ErrorClass, name) => {
    const error = new (ErrorClass as new (message: string, extra: string) => Error)('boom', 'x');
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('boom');
  });

  it('has a class for every business and transient error of the contracts', () => {
    const contractNames = [...Object.values(BUSINESS_ERRORS), ...Object.values(TRANSIENT_ERRORS)].sort();
    expect(CLASSES.map(([, name]) => name).sort()).toEqual(contractNames);
  });

  it('errorName reads the name of anything thrown, Error or not', () => {
    expect(errors.errorName(new DOMException('t', 'TimeoutError'))).toBe('TimeoutError');
    expect(errors.errorName({ name: 'X' })).toBe('X');
    expect(errors.errorName('boom')).toBeUndefined();
  });
});

describe('shared/env', () => {
  afterEach(() => {
    delete process.env.CATALOG_TABLE_NAME;
    delete process.env.PAYMENT_PROVIDER_TIMEOUT_MS;
  });

  it('requireEnv names the missing variable', () => {
    expect(() => requireEnv(HANDLER_ENV.catalogTable)).toThrow(
      'Missing required environment variable CATALOG_TABLE_NAME',
    );
    process.env.CATALOG_TABLE_NAME = '  ';
    expect(() => requireEnv(HANDLER_ENV.catalogTable)).toThrow('CATALOG_TABLE_NAME');
    process.env.CATALOG_TABLE_NAME = 'Catalog';
    expect(requireEnv(HANDLER_ENV.catalogTable)).toBe('Catalog');
  });

  it('positiveIntEnv falls back when unset and rejects non-integers', () => {
    expect(positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, 3000)).toBe(3000);
    process.env.PAYMENT_PROVIDER_TIMEOUT_MS = '250';
    expect(positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, 3000)).toBe(250);
    process.env.PAYMENT_PROVIDER_TIMEOUT_MS = '2.5';
    expect(() => positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, 3000)).toThrow(
      "Environment variable PAYMENT_PROVIDER_TIMEOUT_MS must be a positive integer, got '2.5'",
    );
  });
});

describe('shared/logger', () => {
  it('carries the order id on every line and drops it at the next invocation', () => {
    startInvocation('ord-1');
    logger.info('first');
    logger.warn('still first');
    startInvocation(undefined);
    logger.info('second, no order id known');
    startInvocation('ord-2');
    logger.info('third');

    expect(logs().map((l) => [l.message, l.orderId])).toEqual([
      ['first', 'ord-1'],
      ['still first', 'ord-1'],
      ['second, no order id known', undefined],
      ['third', 'ord-2'],
    ]);
    expect(logs()[0].service).toBe('securecart');
  });
});

describe('shared helpers', () => {
  it('expirationFor is 30 days after now, in epoch seconds', () => {
    expect(expirationFor(new Date('2025-01-01T00:00:00.900Z'))).toBe(1735689600 + 30 * 86_400);
  });

  it('mergeItems adds up quantities per product and sorts by product id', () => {
    expect(
      mergeItems([
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 2 },
        { productId: 'b', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 4 },
    ]);
  });

  it('parseCountryList trims, upper-cases and drops empties', () => {
    expect(parseCountryList(' us, CA,,gb ')).toEqual(['US', 'CA', 'GB']);
  });
});

describe('shared/payment-provider', () => {
  const signal = () => new AbortController().signal;
  const request = { idempotencyKey: 'payment#o-1', orderId: 'o-1', amountCents: 100, attempt: 0 };
  beforeEach(() => providerLedger.reset());

  it('is deterministic and idempotent by idempotency key: a repeated charge is one charge', async () => {
    for (let i = 0; i < 2; i += 1) {
      expect(await charge({ ...request, paymentToken: 'tok_visa' }, signal())).toEqual({
        decision: 'APPROVED',
        chargeId: chargeIdFor('o-1'),
      });
    }
    expect(chargeIdFor('o-1')).toBe(chargeIdFor('o-1'));
    expect(chargeIdFor('o-1')).not.toBe(chargeIdFor('o-2'));
    expect(providerLedger.entry('payment#o-1')).toMatchObject({ status: 'CHARGED', chargedCents: 100, refunds: 0 });
    await expect(charge({ ...request, amountCents: 200, paymentToken: 'tok_visa' }, signal())).rejects.toMatchObject({
      statusCode: 409,
    });
    expect(providerLedger.netCents('payment#o-1')).toBe(100);
  });

  it('refunds a charge once, by charge id, never more than was charged', async () => {
    await charge({ ...request, paymentToken: 'tok_visa' }, signal());
    const chargeId = chargeIdFor('o-1');
    await expect(refund({ chargeId, amountCents: 101 }, signal())).rejects.toBeInstanceOf(ProviderHttpError);
    expect(await refund({ chargeId, amountCents: 100 }, signal())).toEqual({ refundId: refundIdFor(chargeId) });
    expect(await refund({ chargeId, amountCents: 100 }, signal())).toEqual({ refundId: refundIdFor(chargeId) });
    expect(providerLedger.entry('payment#o-1')).toMatchObject({ refundedCents: 100, refunds: 1 });
    expect(providerLedger.netCents('payment#o-1')).toBe(0);
  });

  it('declines tok_decline with card_declined, and keeps the decline for the key', async () => {
    await expect(charge({ ...request, paymentToken: 'tok_decline' }, signal())).resolves.toMatchObject({
      decision: 'DECLINED',
      declineCode: 'card_declined',
    });
    expect(await retrieve('payment#o-1', signal())).toEqual({ status: 'DECLINED', chargeId: chargeIdFor('o-1') });
    expect(providerLedger.netCents('payment#o-1')).toBe(0);
  });

  it('tok_timeout: takes the charge, but never answers until the signal aborts', async () => {
    const controller = new AbortController();
    const pending = charge({ ...request, paymentToken: 'tok_timeout' }, controller.signal);
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    expect(await retrieve('payment#o-1', signal())).toEqual({
      status: 'CHARGED',
      chargeId: chargeIdFor('o-1'),
      amountCents: 100,
      refundedCents: 0,
    });
  });

  it('tok_late: nothing charged while the caller waits; the charge lands once it gave up', async () => {
    const controller = new AbortController();
    const pending = charge({ ...request, paymentToken: 'tok_late' }, controller.signal);
    expect(await retrieve('payment#o-1', signal())).toEqual({ status: 'NOT_FOUND' });
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    expect(providerLedger.entry('payment#o-1')).toMatchObject({ status: 'CHARGED', chargedCents: 100 });
  });

  it('cancel voids a key without a charge: a charge landing or asked for later is refused', async () => {
    const controller = new AbortController();
    const late = charge({ ...request, paymentToken: 'tok_late' }, controller.signal);
    expect(await cancel('payment#o-1', signal())).toEqual({ status: 'CANCELED' });
    controller.abort(new Error('gave up'));
    await expect(late).rejects.toThrow('gave up');
    await expect(charge({ ...request, paymentToken: 'tok_visa' }, signal())).rejects.toMatchObject({ statusCode: 409 });
    expect(providerLedger.entry('payment#o-1')).toMatchObject({ status: 'CANCELED', chargedCents: 0 });
  });

  it('cancel leaves a key that has a charge alone and answers the charge', async () => {
    await charge({ ...request, paymentToken: 'tok_visa' }, signal());
    expect(await cancel('payment#o-1', signal())).toMatchObject({ status: 'CHARGED', amountCents: 100 });
  });

  it('tok_refund_transient: the first two refunds fail with a 503, the third refunds', async () => {
    await charge({ ...request, paymentToken: 'tok_refund_transient' }, signal());
    const chargeId = chargeIdFor('o-1');
    for (let i = 0; i < 2; i += 1)
      await expect(refund({ chargeId, amountCents: 100 }, signal())).rejects.toMatchObject({ statusCode: 503 });
    expect(providerLedger.netCents('payment#o-1')).toBe(100);
    await expect(refund({ chargeId, amountCents: 100 }, signal())).resolves.toEqual({
      refundId: refundIdFor(chargeId),
    });
    expect(providerLedger.netCents('payment#o-1')).toBe(0);
  });
});

describe('shared/handler: one way to check a step input', () => {
  const Schema = OrderItemsInputSchema;

  it('logs with the raw order id, then throws InvalidInput naming every problem before the body runs', async () => {
    const body = jest.fn(async () => 'done');
    const handler = stepHandler('reserve-inventory', Schema, body);

    const error = await rejectionOf(handler({ orderId: 'ord-7', items: [{ productId: '', quantity: 0 }] }));

    expect(error).toBeInstanceOf(errors.InvalidInput);
    expect(error.name).toBe('InvalidInput');
    expect(error.problems).toEqual([
      'items.0.productId: Too small: expected string to have >=1 characters',
      'items.0.quantity: Too small: expected number to be >=1',
    ]);
    expect(error.message).toBe(`reserve-inventory: invalid input: ${(error.problems as string[]).join('; ')}`);
    expect(body).not.toHaveBeenCalled();
  });

  it('names a problem with the input itself `input`', async () => {
    const handler = stepHandler('refund-payment', Schema, async () => 'done');
    await expect(handler(null as never)).rejects.toMatchObject({
      problems: ['input: Invalid input: expected object, received null'],
    });
  });

  it('hands the body the parsed input (unknown fields dropped) and carries the order id on its log lines', async () => {
    const handler = stepHandler('release-inventory', Schema, async (input) => {
      logger.info('in the body');
      return input;
    });

    const input = { orderId: 'ord-8', items: [{ productId: 'p', quantity: 1, name: 'Mug' }], extra: 1 };
    await expect(handler(input)).resolves.toEqual({ orderId: 'ord-8', items: [{ productId: 'p', quantity: 1 }] });
    expect(logs().find((l) => l.message === 'in the body')?.orderId).toBe('ord-8');
  });

  it('takes the order id from another path and throws the error the step chooses', async () => {
    const handler = stepHandler('validate-order', Schema, async () => 'done', {
      orderIdPath: ['order', 'orderId'],
      invalid: (problems) => {
        logger.info('rejected');
        return new errors.InvalidOrder('nope', problems);
      },
    });

    const error = await rejectionOf(handler({ order: { orderId: 'ord-9' } } as never));

    expect(error).toMatchObject({ name: 'InvalidOrder', problems: expect.arrayContaining([expect.any(String)]) });
    expect(logs().find((l) => l.message === 'rejected')?.orderId).toBe('ord-9');
  });

  it('checks an EventBridge event: its detail-type and every problem of its detail', async () => {
    const body = jest.fn(async () => 'done');
    const handler = eventHandler('restock', DETAIL_TYPES.inventoryLow, InventoryLowDetailSchema, body);

    const error = await rejectionOf(
      handler({ 'detail-type': 'Other', detail: { orderId: 'ord-1', productId: 'p' } } as never),
    );

    expect(error.name).toBe('InvalidInput');
    expect(error.problems).toEqual([
      "detail-type: expected 'Inventory Low'",
      'detail.stock: Invalid input: expected number, received undefined',
      'detail.reorderLevel: Invalid input: expected number, received undefined',
      'detail.reorderQuantity: Invalid input: expected number, received undefined',
    ]);
    await expect(handler('nonsense' as never)).rejects.toMatchObject({
      problems: [
        'event: expected an object',
        "detail-type: expected 'Inventory Low'",
        'detail: Invalid input: expected object, received undefined',
      ],
    });
    expect(body).not.toHaveBeenCalled();
  });
});

describe('shared/sfn: task-token callbacks and starts ride out throttles', () => {
  test('the Step Functions client makes SFN_MAX_ATTEMPTS (5) attempts in the standard retry mode', async () => {
    const { sfn, SFN_MAX_ATTEMPTS } = await import('../../lambda/shared/sfn');
    expect(SFN_MAX_ATTEMPTS).toBe(5);
    expect(await sfn.config.maxAttempts()).toBe(5);
    const mode = sfn.config.retryMode;
    expect(typeof mode === 'function' ? await mode() : mode).toBe('standard');
  });
});
