import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { COMPLIANCE_DETAIL_TYPES, COMPLIANCE_SOURCE, complianceProblems } from '@securecart/contracts';
import type { Clients } from './aws';
import type { PlacedOrder } from './orders';
import { CheckFailure } from './report';
import { isRecord, parseJson, pollUntil, truncate } from './util';

/*
 * Compliance events to the audit account (ADR 28): the fraud-rejected order's `Fraud Rejected`
 * event, put by the workflow on the SecureCart bus, forwarded by the ComplianceToAudit rule to the
 * audit bus (SecureCart-<profile>-Audit, in this account for sandbox and localstack) and written by
 * that bus's rule to the audit log group. Read with CloudWatch Logs FilterLogEvents: standard APIs only.
 */

/** The Audit stack next to a Pipeline stack: the same name with `-Audit`. */
export const auditStackName = (pipelineStack: string) => pipelineStack.replace(/-Pipeline$/, '-Audit');

export async function auditLogGroup(c: Clients, stackName: string): Promise<string> {
  let outputs;
  try {
    outputs = (await c.cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.Outputs;
  } catch (error) {
    throw new CheckFailure(`DescribeStacks ${stackName} failed (${(error as Error).name}): deploy the Audit stack`);
  }
  const name = outputs?.find((o) => o.OutputKey === 'AuditLogGroupName')?.OutputValue;
  if (!name) throw new CheckFailure(`${stackName} has no AuditLogGroupName output`);
  return name;
}

export async function checkComplianceInAuditLog(
  c: Clients,
  pipelineStack: string,
  orders: readonly PlacedOrder[],
  finished: ReadonlySet<string>,
  timeoutMs: number,
): Promise<string> {
  const rejected = orders.find((s) => s.reason === 'FRAUD_REJECTED');
  if (!rejected || !finished.has(rejected.key))
    throw new CheckFailure('not run: no fraud-rejected order reached its outcome');
  const logGroupName = await auditLogGroup(c, auditStackName(pipelineStack));
  const secrets = [
    rejected.request.payment.token,
    rejected.request.shippingAddress.line1,
    rejected.request.shippingAddress.name,
  ];
  let seen = 0;
  const found = await pollUntil(Date.now() + timeoutMs, 1000, async () => {
    const out = await c.logs.send(
      new FilterLogEventsCommand({ logGroupName, filterPattern: `"${rejected.orderId}"`, limit: 50 }),
    );
    const events = (out.events ?? []).map((e) => parseJson(e.message)).filter(isRecord);
    seen = events.length;
    return events.find(
      (e) =>
        e.source === COMPLIANCE_SOURCE &&
        e['detail-type'] === COMPLIANCE_DETAIL_TYPES.fraudRejected &&
        isRecord(e.detail) &&
        e.detail.orderId === rejected.orderId,
    );
  });
  if (!found) {
    throw new CheckFailure(
      `no '${COMPLIANCE_DETAIL_TYPES.fraudRejected}' event for ${rejected.orderId} in ${logGroupName} after ${timeoutMs / 1000} s (${seen} event(s) naming the order)`,
    );
  }
  const problems = complianceProblems(String(found['detail-type']), found.detail);
  if (problems.length > 0) throw new CheckFailure(`the audit log's event breaks the contract: ${problems.join('; ')}`);
  const text = JSON.stringify(found);
  const leaked = secrets.filter((s) => text.includes(s));
  if (leaked.length > 0)
    throw new CheckFailure(`the audit log's event holds the order's token or address: ${truncate(text)}`);
  return `${rejected.orderId}: '${found['detail-type']}' in ${logGroupName} (from account ${String(found.account)}), ids only`;
}
