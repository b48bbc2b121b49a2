import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { PICKUP_REQUESTED_DETAIL_TYPE, PickupRequestedDetailSchema } from '@securecart/contracts/steps';
import type { PickupConfirmation, PickupRequestedDetail } from '@securecart/contracts/steps';
import { errorName } from '../shared/errors';
import { eventHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { sfn } from '../shared/sfn';

/*
 * The simulated carrier's pickup desk (docs/adr/0029): ShipOrder's WaitForPickup puts a pickup
 * request on the bus with its task token; this rule target stands for the carrier's system and
 * confirms the pickup with SendTaskSuccess. A real carrier integration sends SendTaskHeartbeat while
 * the pickup is pending and SendTaskSuccess when the driver scans the parcels; no answer within the
 * state's HeartbeatSeconds/TimeoutSeconds fails the child with PickupTimedOut. The request holds no
 * address (the carrier has it from the booking).
 */

/** Step Functions errors meaning the task was already answered or has expired: nothing left to do. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

interface PickupAnswer extends PickupConfirmation {
  /** False when Step Functions no longer waited for this token (already answered or timed out). */
  readonly delivered: boolean;
}

async function confirmPickup(detail: PickupRequestedDetail): Promise<PickupAnswer> {
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
