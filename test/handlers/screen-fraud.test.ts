import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { ScreeningRequestedDetail } from '@securecart/contracts/events';
import { handler } from '../../lambda/screen-fraud';
import type { ScreeningRequestedEvent } from '../../lambda/screen-fraud';
import { scoreOrder } from '../../lambda/screen-fraud/scoring';
import { rejectionOf } from './support/fixtures';
import { captureLogs } from './support/logs';
import { captureMetrics } from './support/metrics';
import { METRIC_NAMES, METRICS_NAMESPACE } from '@securecart/contracts/metrics';

const sfnMock = mockClient(SFNClient);
const logs = captureLogs();
const emf = captureMetrics();
const POLICY = { highValueThresholdCents: 50_000, allowedShippingCountries: ['US', 'CA'] };

function screeningEvent(detail: Partial<ScreeningRequestedDetail> = {}): ScreeningRequestedEvent {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Order Screening Requested',
    source: 'securecart.fulfillment',
    account: '123456789012',
    time: '2025-01-15T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      orderId: 'ord-9',
      customerId: 'cust-42',
      totalCents: 60_000,
      shippingCountry: 'US',
      itemCount: 3,
      taskToken: 'token-abc',
      ...detail,
    },
  };
}

beforeEach(() => {
  sfnMock.reset();
  process.env.HIGH_VALUE_THRESHOLD_CENTS = String(POLICY.highValueThresholdCents);
  process.env.ALLOWED_SHIPPING_COUNTRIES = POLICY.allowedShippingCountries.join(',');
});

describe('scoreOrder', () => {
  const score = (totalCents: number, shippingCountry: string, itemCount: number) =>
    scoreOrder({ totalCents, shippingCountry, itemCount }, POLICY);

  it.each([
    ['a plain order', 60_000, 'US', 3, 0, [], 'APPROVED'],
    ['an unusual country', 1_000, 'FR', 1, 50, ['UNUSUAL_SHIPPING_COUNTRY'], 'APPROVED'],
    ['exactly 10x the threshold', 500_000, 'US', 1, 40, ['VERY_HIGH_VALUE'], 'APPROVED'],
    ['just under 10x the threshold', 499_999, 'US', 1, 0, [], 'APPROVED'],
    ['20 units (not bulk)', 60_000, 'US', 20, 0, [], 'APPROVED'],
    ['21 units (bulk)', 60_000, 'US', 21, 20, ['BULK_QUANTITY'], 'APPROVED'],
    ['very high value and bulk', 500_000, 'US', 21, 60, ['VERY_HIGH_VALUE', 'BULK_QUANTITY'], 'APPROVED'],
    [
      'unusual country and bulk (70: rejected)',
      1_000,
      'FR',
      21,
      70,
      ['UNUSUAL_SHIPPING_COUNTRY', 'BULK_QUANTITY'],
      'REJECTED',
    ],
    [
      'every signal',
      500_000,
      'BR',
      30,
      110,
      ['UNUSUAL_SHIPPING_COUNTRY', 'VERY_HIGH_VALUE', 'BULK_QUANTITY'],
      'REJECTED',
    ],
  ])('scores %s', (_name, total, country, count, expectedScore, signals, decision) => {
    expect(score(total, country, count)).toEqual({ decision, score: expectedScore, signals });
  });
});

describe('screen-fraud', () => {
  it('approves with SendTaskSuccess carrying the decision', async () => {
    const result = await handler(screeningEvent());

    expect(result).toEqual({ decision: 'APPROVED', score: 0, signals: [], delivered: true });
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      taskToken: 'token-abc',
      output: JSON.stringify({ decision: 'APPROVED', score: 0, signals: [] }),
    });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'INFO', orderId: 'ord-9', decision: 'APPROVED' }));
  });

  it('rejects with SendTaskFailure(FraudRejected) and the decision as cause', async () => {
    const result = await handler(screeningEvent({ shippingCountry: 'BR', totalCents: 900_000 }));

    expect(result.decision).toBe('REJECTED');
    const calls = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      taskToken: 'token-abc',
      error: 'FraudRejected',
      cause: JSON.stringify({
        decision: 'REJECTED',
        score: 90,
        signals: ['UNUSUAL_SHIPPING_COUNTRY', 'VERY_HIGH_VALUE'],
      }),
    });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(emf()).toHaveLength(1);
    expect(emf()[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: [{ Name: METRIC_NAMES.fraudRejections, Unit: 'Count' }],
      },
    ]);
    expect(emf()[0]).toMatchObject({ [METRIC_NAMES.fraudRejections]: 1 });
  });

  it('counts no rejection for an approval or for a rejection the workflow no longer waits for', async () => {
    await handler(screeningEvent());
    sfnMock.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    const late = await handler(screeningEvent({ shippingCountry: 'BR', totalCents: 900_000 }));

    expect(late).toMatchObject({ decision: 'REJECTED', delivered: false });
    expect(emf()).toEqual([]);
  });

  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'gone', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'bad token', $metadata: {} })],
  ])('treats %s as already answered: warns and returns normally (idempotent)', async (name, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error());

    const result = await handler(screeningEvent());

    expect(result).toMatchObject({ decision: 'APPROVED', delivered: false });
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-9', error: name }));
  });

  it('throws other Step Functions errors so EventBridge retries', async () => {
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(screeningEvent())).rejects.toThrow('Rate exceeded');
  });

  it('rejects a detail without a task token or with bad numbers, without answering', async () => {
    const event = screeningEvent({ totalCents: -5, itemCount: 1.5 });
    delete (event.detail as { taskToken?: string }).taskToken;

    const error = await rejectionOf(handler(event));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/detail\.totalCents/);
    expect(error.message).toMatch(/detail\.itemCount/);
    expect(error.message).toMatch(/detail\.taskToken/);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('rejects an event of another detail-type', async () => {
    const event = { ...screeningEvent(), 'detail-type': 'Inventory Low' } as unknown as ScreeningRequestedEvent;
    await expect(handler(event)).rejects.toThrow(/detail-type/);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});
