import {
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  InvalidToken,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { PICKUP_REQUESTED_DETAIL_TYPE } from '@securecart/contracts';
import { handler, HEARTBEAT_RETRY } from '../../lambda/carrier-pickup';

const sfnMock = mockClient(SFNClient);
const detail = {
  orderId: 'ord-9',
  shipmentId: 'ord-9-wh-east',
  warehouse: 'wh-east',
  carrier: 'SecureShip',
  trackingNumber: 'SS0123456789ABCDEF01',
  taskToken: 'token-ord-9-pkg0',
};
const event = {
  version: '0',
  id: 'evt-1',
  'detail-type': PICKUP_REQUESTED_DETAIL_TYPE,
  source: 'securecart.fulfillment',
  account: '123456789012',
  time: '2026-12-07T20:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
} as any;
const invalidToken = () => new InvalidToken({ message: 'Invalid Token', $metadata: {} });
/** The order of the Step Functions calls, by command name. */
const calls = () => sfnMock.calls().map((c) => (c.args[0] as object).constructor.name);

/** Runs the handler with fake timers: the backoff waits pass without real time. */
async function run() {
  const result = handler(event);
  await jest.runAllTimersAsync();
  return result;
}

beforeEach(() => {
  jest.useFakeTimers();
  sfnMock.reset();
  sfnMock.on(SendTaskHeartbeatCommand).resolves({});
  sfnMock.on(SendTaskSuccessCommand).resolves({});
});
afterEach(() => jest.useRealTimers());

describe('carrier-pickup (the simulated carrier: docs/adr/0029)', () => {
  it('sends a heartbeat first, then confirms the pickup with the tracking number', async () => {
    await expect(run()).resolves.toMatchObject({ delivered: true, trackingNumber: detail.trackingNumber });
    expect(calls()).toEqual(['SendTaskHeartbeatCommand', 'SendTaskSuccessCommand']);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)[0].args[0].input).toEqual({ taskToken: detail.taskToken });
    const output = JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0].args[0].input.output!);
    expect(output).toEqual({ trackingNumber: detail.trackingNumber, pickedUpAt: expect.any(String) });
  });

  it('a token not registered yet (InvalidToken) is retried with a doubling backoff until the heartbeat lands', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).rejectsOnce(invalidToken()).rejectsOnce(invalidToken()).resolves({});
    const delays: number[] = [];
    const spy = jest.spyOn(global, 'setTimeout');
    await expect(run()).resolves.toMatchObject({ delivered: true });
    for (const [, ms] of spy.mock.calls) delays.push(Number(ms));
    spy.mockRestore();
    expect(calls()).toEqual([
      'SendTaskHeartbeatCommand',
      'SendTaskHeartbeatCommand',
      'SendTaskHeartbeatCommand',
      'SendTaskSuccessCommand',
    ]);
    expect(delays).toEqual([HEARTBEAT_RETRY.firstDelayMs, HEARTBEAT_RETRY.firstDelayMs * 2]);
  });

  it('never loops endlessly: after the bounded attempts it confirms anyway (a stale answer is logged, not thrown)', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).rejects(invalidToken());
    sfnMock.on(SendTaskSuccessCommand).rejects(invalidToken());
    await expect(run()).resolves.toMatchObject({ delivered: false });
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)).toHaveLength(HEARTBEAT_RETRY.attempts);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('a token already answered or expired (the package given up, its label voided): no confirmation', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await expect(run()).resolves.toEqual({ trackingNumber: detail.trackingNumber, delivered: false });
    expect(calls()).toEqual(['SendTaskHeartbeatCommand']);
  });

  it('any other heartbeat error is thrown (EventBridge retries the target)', async () => {
    sfnMock
      .on(SendTaskHeartbeatCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const result = handler(event);
    const caught = result.catch((e) => e);
    await jest.runAllTimersAsync();
    expect(await caught).toMatchObject({ name: 'ThrottlingException' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});
