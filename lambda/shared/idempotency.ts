import { IDEMPOTENCY_RECORD_TTL_DAYS } from '../../lib/contracts/tables';

const SECONDS_PER_DAY = 86_400;

/** Value of the Idempotency table's TTL attribute (`expiration`, epoch seconds) for a record written at `now`. */
export function expirationFor(now: Date = new Date()): number {
  return Math.floor(now.getTime() / 1000) + IDEMPOTENCY_RECORD_TTL_DAYS * SECONDS_PER_DAY;
}
