import type { Address } from '@securecart/contracts/order';
import { ShipmentFailed } from '../shared/errors';
import { sha256Hex } from '../shared/hash';

/*
 * A simulated carrier, deterministic for tests and smoke runs. Postal code '00000' is
 * undeliverable (a business error); everything else is booked.
 */
const CARRIER = 'SecureShip';
const UNDELIVERABLE_POSTAL_CODE = '00000';

export interface Label {
  readonly carrier: string;
  readonly trackingNumber: string;
}

export const trackingNumberFor = (orderId: string, shipmentId: string): string =>
  `SS${sha256Hex(`${orderId}#${shipmentId}`).slice(0, 18).toUpperCase()}`;

/** Books a shipment: the same label for the same shipment every time. */
export function bookShipment(orderId: string, shipmentId: string, address: Pick<Address, 'postalCode'>): Label {
  if (address.postalCode.trim() === UNDELIVERABLE_POSTAL_CODE) {
    throw new ShipmentFailed(`Shipment ${shipmentId}: undeliverable address (postal code ${address.postalCode})`);
  }
  return { carrier: CARRIER, trackingNumber: trackingNumberFor(orderId, shipmentId) };
}
