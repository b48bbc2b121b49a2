import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { complianceEntry } from '@securecart/contracts/compliance';
import type { ComplianceDetailType } from '@securecart/contracts/compliance';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { requireEnv } from './env';
import { eventBridge } from './eventbridge';
import { logger } from './logger';
import { countNow } from './metrics';

/**
 * Puts one compliance event (contracts/compliance.ts, ADR 28) on the SecureCart bus, from where
 * the forwarding rule takes it to the audit account. The event reports work that is already done
 * (a refund made, a message sidelined), so it never fails that work: an event the contract refuses
 * or EventBridge does not take is logged (its detail-type and error, never its detail) and counted
 * as ComplianceEventsNotSent, which is alarmed. Returns whether it was put.
 */
export async function putComplianceEvent(detailType: ComplianceDetailType, detail: unknown): Promise<boolean> {
  try {
    const entry = complianceEntry(requireEnv(HANDLER_ENV.eventBusName), detailType, detail);
    const out = await eventBridge.send(new PutEventsCommand({ Entries: [entry] }));
    if (out.FailedEntryCount) {
      throw new Error(`PutEvents refused the entry (${out.Entries?.[0]?.ErrorCode ?? 'no error code'})`);
    }
    return true;
  } catch (error) {
    logger.error('Compliance event not sent', { complianceDetailType: detailType, error: error as Error });
    countNow(METRIC_NAMES.complianceEventsNotSent);
    return false;
  }
}
