import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { COMPLIANCE_DETAIL_TYPES, COMPLIANCE_SOURCE, complianceProblems, METRIC_NAMES } from '@securecart/contracts';
import { handler as refundPayment } from '../../lambda/refund-payment';
import { putComplianceEvent } from '../../lambda/shared/compliance';
import * as provider from '../../lambda/shared/payment-provider';
import { handler as startFulfillment } from '../../lambda/start-fulfillment';
import { anOrder, CLAIM_REF, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';
import { captureMetrics } from './support/metrics';
import { sqsRecord } from './support/sqs';

/*
 * The handlers' compliance events (ADR 28): each emitter puts an event its detail-type's schema
 * accepts, with ids only (never the payment token or the address, whatever the input), and an
 * event that cannot be put never fails the work it reports.
 */

const BUS = 'securecart-test';
const events = mockClient(EventBridgeClient);
const sqsMock = mockClient(SQSClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();
const emf = captureMetrics();

const entries = (): PutEventsRequestEntry[] =>
  events.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);

/** Every entry is a compliance event on the bus, valid against its schema, containing none of `secrets`. */
function expectCleanEvents(secrets: readonly string[]) {
  for (const e of entries()) {
    expect(e).toMatchObject({ EventBusName: BUS, Source: COMPLIANCE_SOURCE });
    const detail = JSON.parse(e.Detail!);
    expect({ type: e.DetailType, problems: complianceProblems(e.DetailType!, detail) }).toEqual({
      type: e.DetailType,
      problems: [],
    });
    expect(secrets.filter((s) => s.length >= 3 && e.Detail!.includes(s))).toEqual([]);
  }
}

beforeEach(() => {
  events.reset();
  sqsMock.reset();
  ddbMock.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-copy' });
  ddbMock.on(PutCommand).resolves({});
  process.env.EVENT_BUS_NAME = BUS;
  process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfillment';
  process.env.ORDERS_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq.fifo';
  process.env.ORDER_CLAIMS_TABLE_NAME = TABLES.claims;
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  provider.providerLedger.reset();
});
afterEach(() => {
  delete process.env.EVENT_BUS_NAME;
});

describe('putComplianceEvent', () => {
  const detail = {
    schemaVersion: 1,
    orderId: 'ord-1',
    amountCents: 100,
    refundId: 're_1',
    occurredAt: '2026-12-07T00:00:00.000Z',
  };

  test('puts a valid event on the bus', async () => {
    expect(await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.refundIssued, detail)).toBe(true);
    expect(entries()).toEqual([
      { EventBusName: BUS, Source: COMPLIANCE_SOURCE, DetailType: 'Refund Issued', Detail: JSON.stringify(detail) },
    ]);
  });

  test('refuses a detail with a field the contract does not list (an address): not sent, logged without it, counted', async () => {
    const leaky = { ...detail, shippingAddress: { line1: '42 Secret Lane' } };
    expect(await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.refundIssued, leaky)).toBe(false);
    expect(entries()).toEqual([]);
    const errors = logs().filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => l.message)).toEqual(['Compliance event not sent']);
    expect(JSON.stringify(logs())).not.toContain('42 Secret Lane');
    expect(emf().some((l) => METRIC_NAMES.complianceEventsNotSent in l)).toBe(true);
  });

  test('EventBridge refusing or failing: false, never a throw', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    expect(await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.refundIssued, detail)).toBe(false);
    events.on(PutEventsCommand).rejects(new Error('down'));
    expect(await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.refundIssued, detail)).toBe(false);
  });
});

describe('start-fulfillment: Message Sidelined', () => {
  const fifoRecord = (messageId: string, groupId: string, body: string) =>
    sqsRecord(messageId, body, {
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:orders.fifo',
      fifo: { groupId },
      sentTimestamp: '0',
    });

  test('a group mismatch: the reason code, the message id and the order id, nothing of the body', async () => {
    const o = anOrder({ orderId: 'ord-gm', customerId: 'cust-a' });
    const result = await startFulfillment({ Records: [fifoRecord('m-1', 'cust-b', JSON.stringify(o))] });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(entries().map((e) => [e.DetailType, JSON.parse(e.Detail!)])).toEqual([
      [
        'Message Sidelined',
        {
          schemaVersion: 1,
          queue: 'orders',
          reason: 'GROUP_MISMATCH',
          messageId: 'm-1',
          orderId: 'ord-gm',
          occurredAt: expect.any(String),
        },
      ],
    ]);
    expectCleanEvents([o.payment.token, o.shippingAddress.line1, o.shippingAddress.city, 'cust-b']);
  });

  test('property: whatever a poison body holds (tokens, addresses, markup), the event carries none of it', async () => {
    const hostile = fc.stringMatching(/^[A-Za-z0-9 _'"<>{}$@.:-]{3,30}$/);
    await fc.assert(
      fc.asyncProperty(hostile, hostile, fc.constantFrom('schema', 'json', 'group'), async (token, line1, kind) => {
        events.resetHistory();
        const o = { ...anOrder({ customerId: 'cust-x' }), shippingAddress: { ...anOrder().shippingAddress, line1 } };
        const body =
          kind === 'json'
            ? `{"payment":{"token":${JSON.stringify(token)}},"line1":${JSON.stringify(line1)}`
            : JSON.stringify(kind === 'schema' ? { ...o, payment: { token }, items: [] } : o);
        await startFulfillment({ Records: [fifoRecord('m-p', kind === 'group' ? 'other' : 'cust-x', body)] });
        expect(entries().map((e) => e.DetailType)).toEqual(['Message Sidelined']);
        expectCleanEvents([token, line1]);
      }),
      { numRuns: 60, seed: 28 },
    );
  });
});

describe('refund-payment: Refund Issued and Refund Failed', () => {
  const KEY = { id: 'payment#ord-r' };
  const charge = (amountCents: number) =>
    provider.charge(
      { idempotencyKey: KEY.id, orderId: 'ord-r', amountCents, paymentToken: 'tok_approve', attempt: 0 },
      new AbortController().signal,
    );

  test('a refund made: one Refund Issued with the amount and the refund id; a repeat delivery: none', async () => {
    const charged = await charge(4_500);
    const chargeId = (charged as { chargeId: string }).chargeId;
    ddbMock.on(GetCommand).resolves({
      Item: { ...KEY, kind: 'payment', orderId: 'ord-r', status: 'CHARGED', chargeId, amountCents: 4_500 },
    });
    ddbMock.on(UpdateCommand).resolves({});
    await refundPayment({ orderId: 'ord-r', claim: CLAIM_REF });
    expect(entries().map((e) => [e.DetailType, JSON.parse(e.Detail!)])).toEqual([
      [
        'Refund Issued',
        {
          schemaVersion: 1,
          orderId: 'ord-r',
          amountCents: 4_500,
          refundId: provider.refundIdFor(chargeId),
          occurredAt: expect.any(String),
        },
      ],
    ]);
    expectCleanEvents(['tok_approve', chargeId]);

    events.resetHistory();
    ddbMock.on(GetCommand).resolves({
      Item: { ...KEY, kind: 'payment', orderId: 'ord-r', status: 'REFUNDED', chargeId, amountCents: 4_500 },
    });
    await refundPayment({ orderId: 'ord-r', claim: CLAIM_REF });
    expect(entries()).toEqual([]);
  });

  test('a refund the provider refuses: Refund Failed with the error name only, and the error still thrown', async () => {
    const charged = await charge(4_500);
    const chargeId = (charged as { chargeId: string }).chargeId;
    // More than was charged: the simulator answers 400, which no retry changes.
    ddbMock.on(GetCommand).resolves({
      Item: { ...KEY, kind: 'payment', orderId: 'ord-r', status: 'CHARGED', chargeId, amountCents: 9_000 },
    });
    await expect(refundPayment({ orderId: 'ord-r', claim: CLAIM_REF })).rejects.toThrow(/exceeds/);
    expect(entries().map((e) => e.DetailType)).toEqual(['Refund Failed']);
    const detail = JSON.parse(entries()[0].Detail!);
    expect(detail).toEqual({
      schemaVersion: 1,
      orderId: 'ord-r',
      errorName: expect.any(String),
      occurredAt: expect.any(String),
    });
    expect(entries()[0].Detail).not.toContain('exceeds');
    expectCleanEvents([]);
  });
});
