import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeStateMachineCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { CheckFailure } from '../../../test/smoke/report';

/*
 * The data-protection promises for one order (docs/data-protection.md): its payment token is not
 * in the fulfillment execution's history nor in the state machine's log, found by searching both
 * for the very token the order was placed with.
 */

/** The execution of an order: the state machine's ARN with `execution` and the order id as its name. */
export function executionArn(stateMachineArn: string, orderId: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[5] !== 'stateMachine') throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return [...parts.slice(0, 5), 'execution', parts[6], orderId].join(':');
}

/** Every event of the execution's history (all pages). */
export async function executionHistory(sfn: SFNClient, arn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Where in `events` the token appears: `#<id> <type>` of each event whose details contain it. */
function eventsHolding(events: readonly HistoryEvent[], token: string): string[] {
  return events.filter((e) => JSON.stringify(e).includes(token)).map((e) => `#${e.id} ${e.type}`);
}

/** The execution's history holds no trace of the token. */
export async function checkHistoryHasNoToken(sfn: SFNClient, arn: string, token: string): Promise<string> {
  const events = await executionHistory(sfn, arn);
  if (events.length === 0) throw new CheckFailure(`the execution ${arn} has no history`);
  const holding = eventsHolding(events, token);
  if (holding.length)
    throw new CheckFailure(
      `the payment token appears in ${holding.length} of ${events.length} history events: ${holding.slice(0, 6).join(', ')}${holding.length > 6 ? ', …' : ''}`,
    );
  return `${events.length} history events, none holds the token`;
}

/** The state machine's log group (its logging destination); undefined when it has none. */
export async function stateMachineLogGroup(sfn: SFNClient, stateMachineArn: string): Promise<string | undefined> {
  const sm = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
  const arn = sm.loggingConfiguration?.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn;
  return arn ? /:log-group:([^:]+)/.exec(arn)?.[1] : undefined;
}

/** Log events of the group that contain `term` (a quoted filter pattern), since `startTime`. */
async function filterEvents(logs: CloudWatchLogsClient, logGroupName: string, term: string, startTime: number) {
  const messages: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({ logGroupName, filterPattern: `"${term}"`, startTime, nextToken }),
    );
    for (const e of page.events ?? []) if (e.message !== undefined) messages.push(e.message);
    nextToken = page.nextToken;
  } while (nextToken);
  return messages;
}

/** The state machine's log, for this order (its execution ARN), holds no trace of the token. */
export async function checkLogsHaveNoToken(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  execution: string,
  token: string,
  since: number,
): Promise<string> {
  const forOrder = await filterEvents(logs, logGroupName, execution, since);
  const holding = forOrder.filter((m) => m.includes(token));
  if (holding.length)
    throw new CheckFailure(
      `the payment token appears in ${holding.length} of the ${forOrder.length} log events of ${logGroupName} for this order`,
    );
  return `${forOrder.length} log events of ${logGroupName} for this order, none holds the token`;
}
