import { HANDLER_ENV } from '@securecart/contracts/env';
import { CancelShipmentInputSchema } from '@securecart/contracts/steps';
import type { CancelShipmentInput } from '@securecart/contracts/steps';
import { idempotencyKey } from '@securecart/contracts/tables';
import { requireEnv } from '../shared/env';
import { stepHandler } from '../shared/handler';
import { recordOnce } from '../shared/idempotency';
import { logger } from '../shared/logger';

/** What the (simulated) carrier answered. */
export interface CancelShipmentResult {
  /** The label is void (now, or by an earlier cancel of the same shipment). */
  readonly voided: boolean;
  /** Voided by an earlier cancel: this one changed nothing. */
  readonly alreadyVoided: boolean;
  /** Why the carrier refused to void it (the parcel was picked up already). */
  readonly refused?: 'PICKED_UP';
}

/*
 * ShipOrder's compensation (docs/adr/0029): a package whose label was created fails (no pickup in
 * time, the pickup refused, CommitShipment failing for good); the label is voided with the
 * simulated carrier before ShipOrder fails with the package's error, which the parent's saga
 * handles as before (refund, release). The answer is never an error: a refusal (the parcel was
 * picked up already) is reported and the package's own error stands.
 *
 * Idempotent: the void is recorded once (`label-void#<orderId>#<shipmentId>`); a repeat reports
 * it as already voided. A pickup confirmation arriving after the void finds the task token stale
 * (carrier-pickup logs it and stops). No address: the carrier has it from the booking.
 */
async function cancelShipment(input: CancelShipmentInput): Promise<CancelShipmentResult> {
  const { orderId, shipmentId, trackingNumber } = input;
  if (input.pickedUpAt !== null) {
    // The simulated carrier's rule: a parcel in its hands cannot have its label voided.
    logger.warn('Carrier refused to void the label: the parcel was picked up', { shipmentId, trackingNumber });
    return { voided: false, alreadyVoided: false, refused: 'PICKED_UP' };
  }
  const { created, item } = await recordOnce(
    requireEnv(HANDLER_ENV.idempotencyTable),
    idempotencyKey('label-void', orderId, shipmentId),
    'label-void',
    { orderId, shipmentId, carrier: input.carrier, trackingNumber, voidedAt: new Date().toISOString() },
  );
  if (!created) logger.info('Label already voided', { shipmentId, trackingNumber, voidedAt: item.voidedAt });
  else logger.info('Label voided', { shipmentId, trackingNumber });
  return { voided: true, alreadyVoided: !created };
}

export const handler = stepHandler('cancel-shipment', CancelShipmentInputSchema, cancelShipment);
