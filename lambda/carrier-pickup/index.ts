import { SendTaskHeartbeatCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { PICKUP_REQUESTED_DETAIL_TYPE, PickupRequestedDetailSchema } from '@securecart/contracts/steps';
import type { PickupConfirmation, PickupRequestedDetail } from '@securecart/contracts/steps';
import { errorName } from '../shared/errors';
import { eventHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { sfn } from '../shared/sfn';

/*
 * The simulated carrier's pickup desk (docs/adr/0029): ShipOrder's WaitForPickup puts a pickup
 * request on the bus with its task token; this rule target stands for the carrier's system. As a
 * real carrier does while a pickup is pending, it first sends SendTaskHeartbeat (the pickup is
 * scheduled), then confirms the pickup with SendTaskSuccess (the driver scanned the parcels). No
 * answer within the state's HeartbeatSeconds/TimeoutSeconds fails the child with PickupTimedOut.
 * The request holds no address (the carrier has it from the booking).
 *
 * The event can arrive before Step Functions has registered the token (the bus delivers as soon
 * as PutEvents returns; the local emulator answers such a heartbeat with InvalidToken): the
 * heartbeat is retried on InvalidToken a bounded number of times with exponential backoff, never
 * endlessly; the confirmation follows either way. A token already answered or expired
 * (TaskTimedOut, TaskDoesNotExist: the package was given up, its label voided) ends the request
 * without a confirmation.
 */

/** Step Functions errors meaning the task was already answered or has expired: nothing left to do. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Heartbeat attempts on InvalidToken (the token not registered yet), and the first delay (doubled each time). */
export const HEARTBEAT_RETRY = { attempts: 5, firstDelayMs: 200 } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends the heartbeat: 'sent'; 'stale' when the token was answered or has expired; 'unregistered'
 * when it was still unknown after every attempt (the confirmation is tried all the same).
 */
async function heartbeat(taskToken: string): Promise<'sent' | 'stale' | 'unregistered'> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
      return 'sent';
    } catch (error) {
      const name = errorName(error);
      if (name !== 'InvalidToken') {
        if (name && STALE_TOKEN_ERRORS.has(name)) return 'stale';
        throw error;
      }
      if (attempt >= HEARTBEAT_RETRY.attempts) return 'unregistered';
      await sleep(HEARTBEAT_RETRY.firstDelayMs * 2 ** (attempt - 1));
    }
  }
}

interface PickupAnswer {
  readonly trackingNumber: string;
  /** The pickup time confirmed (absent when there was nothing left to confirm). */
  readonly pickedUpAt?: string;
  /** False when Step Functions no longer waited for this token (already answered or timed out). */
  readonly delivered: boolean;
}

async function confirmPickup(detail: PickupRequestedDetail): Promise<PickupAnswer> {
  const pending = await heartbeat(detail.taskToken);
  if (pending === 'stale') {
    logger.warn('Pickup task already answered or expired; nothing to confirm', { shipmentId: detail.shipmentId });
    return { trackingNumber: detail.trackingNumber, delivered: false };
  }
  if (pending === 'unregistered')
    logger.warn('Pickup task token still unknown after the heartbeat retries; confirming anyway', {
      shipmentId: detail.shipmentId,
    });
  const confirmation: PickupConfirmation = {
    trackingNumber: detail.trackingNumber,
    pickedUpAt: new Date().toISOString(),
  };
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: detail.taskToken, output: JSON.stringify(confirmation) }));
  } catch (error) {
    const name = errorName(error);
    if (name && STALE_TOKEN_ERRORS.has(name)) {
      logger.warn('Pickup task already answered or expired; confirmation not delivered', { error: name });
      return { ...confirmation, delivered: false };
    }
    throw error;
  }
  logger.info('Pickup confirmed', { shipmentId: detail.shipmentId, trackingNumber: detail.trackingNumber });
  return { ...confirmation, delivered: true };
}

export const handler = eventHandler(
  'carrier-pickup',
  PICKUP_REQUESTED_DETAIL_TYPE,
  PickupRequestedDetailSchema,
  confirmPickup,
);
