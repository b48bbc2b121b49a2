import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import type { Rule } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  paginateListSubscriptionsByTopic,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DETAIL_TYPES, EVENT_SOURCES, HANDLER_ENV, STATUS_SUBSCRIPTIONS, TABLE_KEYS } from '@securecart/contracts';
import type { Clients } from './aws';
import { QUEUE_OUTPUTS } from './outputs';
import type { QueueOutput, StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { errorName, isRecord, parseJson, sameSet } from './util';

/*
 * "Every resource the suite relies on really exists": each check asks the owning service (not
 * CloudFormation, which reports CREATE_COMPLETE even for resources LocalStack skipped) and checks
 * the settings the later checks depend on.
 */

export type SubscriptionName = keyof typeof STATUS_SUBSCRIPTIONS;

/** What the resource checks learn and the later checks use. */
export interface Discovered {
  queueArns: Partial<Record<QueueOutput, string>>;
  /** From the HighValueOrder rule's pattern: `detail.totalCents >= threshold`. */
  highValueThresholdCents?: number;
  /** From the SuspiciousOrder rule's pattern: `shippingCountry anything-but [...]`. */
  allowedShippingCountries?: string[];
  /** From the orders queue's RedrivePolicy. */
  ordersRedrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** The subscription queue of each OrderEvents subscription, and whether it uses raw delivery. */
export const SUBSCRIPTION_QUEUES: Record<SubscriptionName, { output: QueueOutput; raw: boolean }> = {
  orderStatus: { output: 'OrderStatusQueueUrl', raw: false },
  notifications: { output: 'NotificationsQueueUrl', raw: false },
  analytics: { output: 'AnalyticsQueueUrl', raw: true },
};

const nameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

export async function checkQueues(c: Clients, o: StackOutputs, d: Discovered): Promise<string> {
  const problems: string[] = [];
  const attrs: Partial<Record<QueueOutput, Record<string, string>>> = {};
  for (const q of QUEUE_OUTPUTS) {
    try {
      const out = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: o[q], AttributeNames: ['All'] }));
      attrs[q] = out.Attributes ?? {};
      d.queueArns[q] = attrs[q]!.QueueArn;
      if (!attrs[q]!.QueueArn) problems.push(`${nameOf(o[q])}: no QueueArn`);
    } catch (error) {
      problems.push(`${nameOf(o[q])}: ${errorName(error) ?? String(error)}`);
    }
  }
  const orders = attrs.OrdersQueueUrl;
  if (orders) {
    if (orders.FifoQueue !== 'true') problems.push('orders queue is not FIFO');
    const redrive = parseJson(orders.RedrivePolicy);
    const maxReceiveCount = isRecord(redrive) ? Number(redrive.maxReceiveCount) : NaN;
    if (!isRecord(redrive) || !Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
      problems.push(`orders queue has no usable RedrivePolicy (${orders.RedrivePolicy ?? 'none'})`);
    } else {
      d.ordersRedrive = { deadLetterTargetArn: String(redrive.deadLetterTargetArn), maxReceiveCount };
      if (d.queueArns.OrdersDlqUrl && d.ordersRedrive.deadLetterTargetArn !== d.queueArns.OrdersDlqUrl) {
        problems.push(
          `orders queue redrives to ${d.ordersRedrive.deadLetterTargetArn}, not to OrdersDlqUrl (${d.queueArns.OrdersDlqUrl})`,
        );
      }
    }
  }
  if (attrs.OrdersDlqUrl && attrs.OrdersDlqUrl.FifoQueue !== 'true') problems.push('orders DLQ is not FIFO');
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `${QUEUE_OUTPUTS.length} queues; ${nameOf(o.OrdersQueueUrl)} (visibility ${orders!.VisibilityTimeout} s) → ${nameOf(o.OrdersDlqUrl)} after ${d.ordersRedrive!.maxReceiveCount} receives`;
}

export async function checkSubscriptions(c: Clients, o: StackOutputs, d: Discovered): Promise<string> {
  await c.sns.send(new GetTopicAttributesCommand({ TopicArn: o.OrderEventsTopicArn }));
  const subscriptions = [];
  for await (const page of paginateListSubscriptionsByTopic({ client: c.sns }, { TopicArn: o.OrderEventsTopicArn })) {
    subscriptions.push(...(page.Subscriptions ?? []));
  }

  const problems: string[] = [];
  const seen: string[] = [];
  for (const [name, { output, raw }] of Object.entries(SUBSCRIPTION_QUEUES) as [
    SubscriptionName,
    (typeof SUBSCRIPTION_QUEUES)[SubscriptionName],
  ][]) {
    const queueArn = d.queueArns[output];
    const matching = subscriptions.filter((s) => s.Protocol === 'sqs' && s.Endpoint === queueArn);
    if (matching.length !== 1) {
      problems.push(`${name}: ${matching.length} SQS subscriptions to ${queueArn ?? nameOf(o[output])}, expected 1`);
      continue;
    }
    const { Attributes: a = {} } = await c.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: matching[0].SubscriptionArn }),
    );
    if (a.PendingConfirmation === 'true') problems.push(`${name}: pending confirmation`);
    if ((a.RawMessageDelivery === 'true') !== raw)
      problems.push(`${name}: RawMessageDelivery=${a.RawMessageDelivery ?? 'unset'}, expected ${raw}`);
    const policy = parseJson(a.FilterPolicy);
    const allowed = isRecord(policy) && Array.isArray(policy.status) ? policy.status.map(String) : undefined;
    if (!allowed || !sameSet(allowed, STATUS_SUBSCRIPTIONS[name])) {
      problems.push(
        `${name}: filter policy ${a.FilterPolicy ?? 'missing'}, expected status in [${STATUS_SUBSCRIPTIONS[name].join(', ')}]`,
      );
    } else if (a.FilterPolicyScope && a.FilterPolicyScope !== 'MessageAttributes') {
      problems.push(`${name}: FilterPolicyScope ${a.FilterPolicyScope}, expected MessageAttributes`);
    }
    seen.push(`${name}${raw ? ' (raw)' : ''}`);
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `OrderEvents → ${seen.join(', ')}, filter policies as in STATUS_SUBSCRIPTIONS`;
}

export async function checkRules(c: Clients, o: StackOutputs, d: Discovered): Promise<string> {
  await c.events.send(new DescribeEventBusCommand({ Name: o.EventBusName }));
  const rules: Rule[] = [];
  let NextToken: string | undefined;
  do {
    // client-eventbridge has no paginator for ListRules.
    const page = await c.events.send(new ListRulesCommand({ EventBusName: o.EventBusName, NextToken }));
    rules.push(...(page.Rules ?? []));
    NextToken = page.NextToken;
  } while (NextToken);

  const problems: string[] = [];
  const find = (suffix: string) => rules.find((r) => r.Name?.endsWith(`-${suffix}`));
  const expected: Record<string, { source: string; detailType: string }> = {
    HighValueOrder: { source: EVENT_SOURCES.fulfillment, detailType: DETAIL_TYPES.screeningRequested },
    SuspiciousOrder: { source: EVENT_SOURCES.fulfillment, detailType: DETAIL_TYPES.screeningRequested },
    InventoryLow: { source: EVENT_SOURCES.inventory, detailType: DETAIL_TYPES.inventoryLow },
  };
  for (const [suffix, { source, detailType }] of Object.entries(expected)) {
    const rule = find(suffix);
    if (!rule) {
      problems.push(`rule ${suffix} missing on bus ${o.EventBusName}`);
      continue;
    }
    if (rule.State !== 'ENABLED') problems.push(`${rule.Name} is ${rule.State}`);
    const pattern = parseJson(rule.EventPattern);
    if (
      !isRecord(pattern) ||
      !(pattern.source as unknown[])?.includes(source) ||
      !(pattern['detail-type'] as unknown[])?.includes(detailType)
    ) {
      problems.push(`${rule.Name}: pattern ${rule.EventPattern} does not match ${source} / ${detailType}`);
    }
    const detail = isRecord(pattern) && isRecord(pattern.detail) ? pattern.detail : {};
    if (suffix === 'HighValueOrder') {
      const numeric =
        Array.isArray(detail.totalCents) && isRecord(detail.totalCents[0]) ? detail.totalCents[0].numeric : undefined;
      if (Array.isArray(numeric) && numeric[0] === '>=' && typeof numeric[1] === 'number')
        d.highValueThresholdCents = numeric[1];
      else problems.push(`${rule.Name}: no "totalCents >= N" in its pattern`);
    }
    if (suffix === 'SuspiciousOrder') {
      const but =
        Array.isArray(detail.shippingCountry) && isRecord(detail.shippingCountry[0])
          ? detail.shippingCountry[0]['anything-but']
          : undefined;
      if (Array.isArray(but)) d.allowedShippingCountries = but.map(String);
      else problems.push(`${rule.Name}: no "shippingCountry anything-but [...]" in its pattern`);
    }
    const { Targets = [] } = await c.events.send(
      new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: o.EventBusName }),
    );
    const lambdas = Targets.filter((t) => t.Arn?.includes(':lambda:') && t.Arn.includes(':function:'));
    if (lambdas.length !== 1) {
      problems.push(`${rule.Name}: ${lambdas.length} Lambda targets, expected 1`);
      continue;
    }
    try {
      await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: lambdas[0].Arn }));
    } catch (error) {
      problems.push(`${rule.Name}: target ${lambdas[0].Arn} does not exist (${errorName(error)})`);
    }
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `bus ${o.EventBusName}: HighValueOrder (totalCents ≥ ${d.highValueThresholdCents}), SuspiciousOrder, InventoryLow → Lambda targets exist`;
}

/**
 * Every Lambda function a state machine definition invokes, also in Parallel and Map: tasks whose
 * Resource is the function's ARN (the workflow's form, the result is the handler's return value)
 * and `lambda:invoke` integration tasks (function in `Parameters.FunctionName`).
 */
export function lambdaTasks(definition: unknown): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isRecord(node)) return;
    if (node.Type === 'Task' && typeof node.Resource === 'string') {
      if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(node.Resource)) found.add(node.Resource);
      else if (node.Resource.includes(':lambda:invoke') && isRecord(node.Parameters)) {
        const fn = node.Parameters.FunctionName;
        if (typeof fn === 'string') found.add(fn);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(definition);
  return [...found];
}

export interface Wiring {
  /** Configurations of the workflow's Lambda functions and of the intake function. */
  functions: FunctionConfiguration[];
}

export async function checkStateMachine(c: Clients, o: StackOutputs, wiring: Wiring): Promise<string> {
  const sm = await c.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: o.StateMachineArn }));
  const problems: string[] = [];
  if (sm.status && sm.status !== 'ACTIVE') problems.push(`state machine is ${sm.status}`);
  if (sm.type && sm.type !== 'STANDARD') problems.push(`state machine type ${sm.type}, expected STANDARD`);
  const definition = parseJson(sm.definition);
  if (!isRecord(definition)) throw new CheckFailure('state machine has no readable definition');
  const text = sm.definition ?? '';
  if (!text.includes(o.OrderEventsTopicArn)) problems.push('definition does not publish to OrderEventsTopicArn');
  if (!text.includes('.waitForTaskToken')) problems.push('definition has no .waitForTaskToken task (fraud screening)');
  const fns = lambdaTasks(definition);
  if (fns.length === 0) problems.push('definition invokes no Lambda function');
  for (const fn of fns) {
    try {
      wiring.functions.push(await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn })));
    } catch (error) {
      problems.push(`function ${fn} does not exist (${errorName(error)})`);
    }
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `${sm.name} ${sm.status ?? ''} ${sm.type ?? ''}; ${fns.length} Lambda tasks, all functions exist`.replace(
    /\s+/g,
    ' ',
  );
}

export async function checkIntake(c: Clients, o: StackOutputs, d: Discovered, wiring: Wiring): Promise<string> {
  const queueArn = d.queueArns.OrdersQueueUrl;
  if (!queueArn) throw new CheckFailure('orders queue ARN unknown (queue check failed)');
  const { EventSourceMappings = [] } = await c.lambda.send(
    new ListEventSourceMappingsCommand({ EventSourceArn: queueArn }),
  );
  const problems: string[] = [];
  const enabled = EventSourceMappings.filter(
    (m) => m.State === 'Enabled' || m.State === 'Enabling' || m.State === 'Updating',
  );
  if (enabled.length !== 1) {
    throw new CheckFailure(
      `${enabled.length} enabled event source mappings on ${nameOf(o.OrdersQueueUrl)} (of ${EventSourceMappings.length}), expected 1`,
    );
  }
  const mapping = enabled[0];
  if (!mapping.FunctionResponseTypes?.includes('ReportBatchItemFailures'))
    problems.push('mapping does not report batch item failures');
  const intake = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: mapping.FunctionArn }));
  wiring.functions.push(intake);

  // Handler wiring: every contract variable a function has must point at this deployment.
  const expected: Partial<Record<string, string>> = {
    [HANDLER_ENV.catalogTable]: o.CatalogTableName,
    [HANDLER_ENV.idempotencyTable]: o.IdempotencyTableName,
    [HANDLER_ENV.orderClaimsTable]: o.OrderClaimsTableName,
    [HANDLER_ENV.eventBusName]: o.EventBusName,
    [HANDLER_ENV.stateMachineArn]: o.StateMachineArn,
  };
  const vars = (fn: FunctionConfiguration) => fn.Environment?.Variables ?? {};
  if (vars(intake)[HANDLER_ENV.stateMachineArn] !== o.StateMachineArn) {
    problems.push(`intake ${HANDLER_ENV.stateMachineArn}=${vars(intake)[HANDLER_ENV.stateMachineArn] ?? 'unset'}`);
  }
  let checked = 0;
  for (const fn of wiring.functions) {
    for (const [name, value] of Object.entries(vars(fn))) {
      const want = expected[name];
      if (want === undefined) continue;
      checked++;
      if (value !== want) problems.push(`${fn.FunctionName}: ${name}=${value}, expected ${want}`);
    }
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `${nameOf(o.OrdersQueueUrl)} → ${intake.FunctionName} (batch ${mapping.BatchSize}, ReportBatchItemFailures); ${checked} table/bus/state-machine variables of ${wiring.functions.length} functions point at this deployment`;
}

export async function checkTables(c: Clients, o: StackOutputs): Promise<string> {
  const problems: string[] = [];
  const tables: [string, string][] = [
    [o.CatalogTableName, TABLE_KEYS.catalog.partitionKey],
    [o.IdempotencyTableName, TABLE_KEYS.idempotency.partitionKey],
    [o.CartsTableName, TABLE_KEYS.carts.partitionKey],
    [o.OrderClaimsTableName, TABLE_KEYS.orderClaims.partitionKey],
  ];
  for (const [name, key] of tables) {
    try {
      const { Table } = await c.ddb.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus !== 'ACTIVE') problems.push(`${name} is ${Table?.TableStatus}`);
      const hash = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
      if (hash !== key) problems.push(`${name}: partition key ${hash}, expected ${key}`);
    } catch (error) {
      problems.push(`${name}: ${errorName(error) ?? String(error)}`);
    }
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `Catalog (${TABLE_KEYS.catalog.partitionKey}), Idempotency (${TABLE_KEYS.idempotency.partitionKey}), Carts (${TABLE_KEYS.carts.partitionKey}) and OrderClaims (${TABLE_KEYS.orderClaims.partitionKey}) ACTIVE`;
}
