/**
 * The order-status queue's messages: SNS envelopes (the subscription has RawMessageDelivery false)
 * whose `Message` is an OrderStatusEvent (contracts/status.ts).
 */
import { formatIssues } from '@securecart/contracts/problems';
import { OrderStatusEventSchema } from '@securecart/contracts/status';
import type { OrderStatusEvent } from '@securecart/contracts/status';

/** A message that can never be applied: it is left for the DLQ. */
export class PoisonMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessage';
  }
}

function parseJson(text: string, problem: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PoisonMessage(problem);
  }
}

/** Unwraps the SNS envelope and validates the event; throws PoisonMessage when it cannot. */
export function parseStatusMessage(body: string | undefined): OrderStatusEvent {
  const envelope = parseJson(body ?? '', 'body is not JSON');
  const { Type, Message } = (envelope ?? {}) as { Type?: unknown; Message?: unknown };
  if (Type !== 'Notification' || typeof Message !== 'string') {
    throw new PoisonMessage('not an SNS Notification envelope');
  }
  const inner = parseJson(Message, 'SNS Message is not JSON');
  const parsed = OrderStatusEventSchema.safeParse(inner);
  if (!parsed.success) {
    throw new PoisonMessage(`not an OrderStatusEvent: ${formatIssues(parsed.error.issues, '(event)').join('; ')}`);
  }
  if (Number.isNaN(Date.parse(parsed.data.occurredAt))) throw new PoisonMessage('occurredAt: not a timestamp');
  return parsed.data;
}
