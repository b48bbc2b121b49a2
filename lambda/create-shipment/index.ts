import { HANDLER_ENV } from '@securecart/contracts/env';
import { CreateShipmentInputSchema } from '@securecart/contracts/steps';
import type { CreateShipmentInput } from '@securecart/contracts/steps';
import { idempotencyKey } from '@securecart/contracts/tables';
import { readClaim } from '../shared/claims';
import { requireEnv } from '../shared/env';
import { ShipmentFailed } from '../shared/errors';
import { stepHandler } from '../shared/handler';
import { recordOnce } from '../shared/idempotency';
import { logger } from '../shared/logger';
import { bookShipment } from './carrier';
import type { Label } from './carrier';

interface CreateShipmentResult {
  readonly shipmentId: string;
  readonly trackingNumber: string;
  readonly carrier: string;
}

/** Records the label once; a repeat returns the label recorded first. */
async function recordLabel(tableName: string, input: CreateShipmentInput, label: Label): Promise<Label> {
  const { orderId, shipment } = input;
  const { created, item } = await recordOnce(
    tableName,
    idempotencyKey('shipment', orderId, shipment.shipmentId),
    'shipment',
    {
      orderId,
      shipmentId: shipment.shipmentId,
      warehouse: shipment.warehouse,
      items: shipment.items,
      carrier: label.carrier,
      trackingNumber: label.trackingNumber,
      createdAt: new Date().toISOString(),
    },
  );
  if (created) return label;
  logger.warn('Shipment already created; returning it', {
    shipmentId: shipment.shipmentId,
    trackingNumber: item.trackingNumber,
  });
  return { carrier: String(item.carrier), trackingNumber: String(item.trackingNumber) };
}

async function createShipment(input: CreateShipmentInput): Promise<CreateShipmentResult> {
  const idempotencyTable = requireEnv(HANDLER_ENV.idempotencyTable);
  const { shipmentId } = input.shipment;

  // The address, from the order's shipping claim (docs/adr/0019): it is never in the state data.
  const claim = await readClaim(requireEnv(HANDLER_ENV.orderClaimsTable), 'shipping', input.claim, input.orderId);
  if (!claim) {
    logger.warn('Shipping claim missing or expired; the shipment cannot be booked', { shipmentId });
    throw new ShipmentFailed(`The shipping claim of order ${input.orderId} is missing or expired`);
  }
  let booked: Label;
  try {
    booked = bookShipment(input.orderId, shipmentId, claim.shippingAddress);
  } catch (error) {
    logger.info('Shipment refused by the carrier', { shipmentId, error: error as Error });
    throw error;
  }
  const label = await recordLabel(idempotencyTable, input, booked);
  // The reservations stay until the carrier has picked the parcels up (commit-shipment, ShipOrder's
  // last step: docs/adr/0029), so a pickup that never comes gives the stock back in the saga.
  logger.info('Shipment created', { shipmentId, ...label });
  return { shipmentId, trackingNumber: label.trackingNumber, carrier: label.carrier };
}

export const handler = stepHandler('create-shipment', CreateShipmentInputSchema, createShipment);
