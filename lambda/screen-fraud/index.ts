import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { DETAIL_TYPES, FRAUD_REJECTED_ERROR, ScreeningRequestedDetailSchema } from '@securecart/contracts/events';
import type { FraudDecision, ScreeningRequestedDetail } from '@securecart/contracts/events';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { errorName } from '../shared/errors';
import { eventHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { countNow } from '../shared/metrics';
import { screeningPolicyFromEnv } from '../shared/policy';
import { sfn } from '../shared/sfn';
import { scoreOrder } from './scoring';

export type ScreeningRequestedEvent = EventBridgeEvent<
  typeof DETAIL_TYPES.screeningRequested,
  ScreeningRequestedDetail
>;

/** The decision and whether it reached the workflow (EventBridge ignores it; useful in logs and tests). */
interface ScreeningDecision extends FraudDecision {
  /** False when Step Functions no longer waited for this token (already answered or timed out). */
  readonly delivered: boolean;
}

/** Step Functions errors meaning the task was already answered or has expired: nothing left to do. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

async function screenOrder(detail: ScreeningRequestedDetail): Promise<ScreeningDecision> {
  const decision = scoreOrder(detail, screeningPolicyFromEnv());
  logger.info('Fraud decision', { ...decision });

  const { taskToken } = detail;
  try {
    if (decision.decision === 'APPROVED') {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(decision) }));
    } else {
      await sfn.send(
        new SendTaskFailureCommand({ taskToken, error: FRAUD_REJECTED_ERROR, cause: JSON.stringify(decision) }),
      );
    }
  } catch (error) {
    const name = errorName(error);
    if (name && STALE_TOKEN_ERRORS.has(name)) {
      logger.warn('Task already answered or expired; decision not delivered', { error: name });
      return { ...decision, delivered: false };
    }
    throw error;
  }
  // Only a delivered rejection cancels the order (a stale token means it was decided otherwise).
  if (decision.decision === 'REJECTED') countNow(METRIC_NAMES.fraudRejections);
  return { ...decision, delivered: true };
}

export const handler = eventHandler(
  'screen-fraud',
  DETAIL_TYPES.screeningRequested,
  ScreeningRequestedDetailSchema,
  screenOrder,
);
