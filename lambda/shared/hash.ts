import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of a string: the basis of every deterministic id (charge, invoice, tracking). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
