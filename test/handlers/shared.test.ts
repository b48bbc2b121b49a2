import { BUSINESS_ERRORS, TRANSIENT_ERRORS } from '../../lib/contracts/errors';
import { HANDLER_ENV } from '../../lib/contracts/handler-env';
import { TABLE_KEYS } from '../../lib/contracts/tables';
import { positiveIntEnv, requireEnv } from '../../lambda/shared/env';
import * as errors from '../../lambda/shared/errors';
import { expirationFor } from '../../lambda/shared/idempotency';
import { mergeItems } from '../../lambda/shared/inventory';
import { logger, startInvocation } from '../../lambda/shared/logger';
import { charge, chargeIdFor, refund, refundIdFor } from '../../lambda/shared/payment-provider';
import { parseCountryList } from '../../lambda/shared/policy';
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
  const request = { orderId: 'o-1', amountCents: 100, attempt: 0 };

  it('is deterministic and idempotent by order id', async () => {
    expect(await charge({ ...request, paymentToken: 'tok_visa' }, signal())).toEqual({
      outcome: 'APPROVED',
      chargeId: chargeIdFor('o-1'),
    });
    expect(chargeIdFor('o-1')).toBe(chargeIdFor('o-1'));
    expect(chargeIdFor('o-1')).not.toBe(chargeIdFor('o-2'));
    expect(await refund({ chargeId: 'ch_1', amountCents: 100 }, signal())).toEqual({ refundId: refundIdFor('ch_1') });
  });

  it('declines tok_decline with card_declined', async () => {
    await expect(charge({ ...request, paymentToken: 'tok_decline' }, signal())).resolves.toMatchObject({
      outcome: 'DECLINED',
      declineCode: 'card_declined',
    });
  });

  it('never answers tok_timeout until the signal aborts', async () => {
    const controller = new AbortController();
    const pending = charge({ ...request, paymentToken: 'tok_timeout' }, controller.signal);
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
  });
});
