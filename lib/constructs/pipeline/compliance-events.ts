import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  AWS_TRANSIENT_ERRORS,
  COMPLIANCE_OUTCOMES,
  COMPLIANCE_SCHEMA_VERSION,
  COMPLIANCE_SOURCE,
} from '@securecart/contracts';
import { toPascal } from './base';
import type { WorkflowWaits } from './workflow-states';

const J = sfn.JsonPath;

/** The error of the Fail state when a compliance event cannot be put on the bus (ADR 28). */
export const COMPLIANCE_EVENT_UNDELIVERABLE = 'ComplianceEventUndeliverable';

export interface ComplianceEventStatesProps {
  /** The SecureCart bus; the forwarding rule takes compliance events from there to the audit bus. */
  readonly bus: events.IEventBus;
  readonly waits: WorkflowWaits;
}

/**
 * The workflow's compliance events (contracts/compliance.ts): after the outcome is published, a
 * Choice picks the outcome's compliance detail-type from COMPLIANCE_OUTCOMES (FAILED; CANCELLED
 * for a fraud rejection, a fraud-review time-out, a declined payment), records it at
 * `$.compliance`, and one PutEvents task puts the event: ids, status, reason, time and execution,
 * nothing else of the state data. Other outcomes go straight on to `next`.
 *
 * EventBridge's transient errors are retried for minutes like every Task state (docs/adr/0017). A
 * compliance event still not put fails the execution (ComplianceEventUndeliverable, alarmed by
 * ExecutionsFailed) after the order is complete and its outcome published: an operator puts it
 * again from the execution history (docs/runbooks/compliance-forwarding.md).
 */
export function complianceEventStates(
  scope: Construct,
  props: ComplianceEventStatesProps,
  next: sfn.IChainable,
): sfn.Choice {
  const r = props.waits.outageRetry;
  const put = new tasks.EventBridgePutEvents(scope, 'PutComplianceEvent', {
    entries: [
      {
        eventBus: props.bus,
        source: COMPLIANCE_SOURCE,
        detailType: J.stringAt('$.compliance.detailType'),
        detail: sfn.TaskInput.fromObject({
          schemaVersion: COMPLIANCE_SCHEMA_VERSION,
          orderId: J.stringAt('$.order.orderId'),
          customerId: J.stringAt('$.order.customerId'),
          status: J.stringAt('$.outcome.status'),
          reason: J.stringAt('$.outcome.reason'),
          occurredAt: J.stringAt('$$.State.EnteredTime'),
          executionId: J.stringAt('$$.Execution.Id'),
        }),
      },
    ],
    resultPath: J.DISCARD,
  })
    .addRetry({
      errors: [...AWS_TRANSIENT_ERRORS.eventBridge],
      interval: r.interval,
      backoffRate: 2,
      maxAttempts: r.maxAttempts,
      maxDelay: r.maxDelay,
      jitterStrategy: sfn.JitterType.FULL,
    })
    .addCatch(
      new sfn.Fail(scope, COMPLIANCE_EVENT_UNDELIVERABLE, {
        error: COMPLIANCE_EVENT_UNDELIVERABLE,
        causePath: '$.compliance.detailType',
      }),
      { errors: [sfn.Errors.ALL], resultPath: '$.complianceError' },
    );
  put.next(next);

  const choice = new sfn.Choice(scope, 'ComplianceEvent?');
  for (const o of COMPLIANCE_OUTCOMES) {
    const status = sfn.Condition.stringEquals('$.outcome.status', o.status);
    const record = new sfn.Pass(scope, `Compliance${toPascal(o.detailType.replace(/ /g, '-'))}`, {
      result: sfn.Result.fromObject({ detailType: o.detailType }),
      resultPath: '$.compliance',
    });
    choice.when(
      o.reason ? sfn.Condition.and(status, sfn.Condition.stringEquals('$.outcome.reason', o.reason)) : status,
      record.next(put),
    );
  }
  return choice.otherwise(next);
}
