/**
 * The outage matrix of `npm run test:chaos -- --matrix` (docs/adr/0017), derived from the
 * synthesized Pipeline template, never written by hand: one row per Task state of OrderFulfillment
 * (the saga's compensations and the redelivery records included) and per AWS dependency that
 * state calls, directly or through what it invokes:
 *
 * - `integration`: the Task's own service integration (its Resource): Lambda, SNS, SQS, EventBridge...;
 * - `handler`: what the Lambda function the Task invokes may call (its role's actions);
 * - `target`: for a Task that puts an event and waits for its task token, the targets of the
 *   rules that match that event (the fraud screen), and what they may call (the callback).
 *
 * Each row also says how an order reaches the state (`reach`: a screened order, an undeliverable
 * one whose shipment fails after payment so the saga runs, a declined card whose outcome is a
 * compliance event (ADR 28), or other Task states failing permanently first, e.g. a publish, so
 * its redelivery record runs) and the narrow fault match of
 * the state's own call (the runner's gate: it holds the order at the state until the outage is on).
 * A Task added to the workflow enters the matrix by itself; test/chaos-matrix.test.ts checks the
 * derivation covers every Task/dependency pair.
 */

import { EXECUTION_ALREADY_EXISTS_ERROR, OUTCOME_REASONS } from '@securecart/contracts';

/** Services the matrix takes down (SigV4 signing names, as the emulator's fault rules name them). */
export const MATRIX_SERVICES = ['lambda', 'sns', 'sqs', 'events', 'dynamodb', 'states'] as const;
export type MatrixService = (typeof MATRIX_SERVICES)[number];

/** How an order reaches a state: the order's kind, and Task states to fail permanently first. */
export interface Reach {
  /** A high-value order: fraud screening runs. */
  readonly screened: boolean;
  /** An undeliverable address: the shipment fails after payment (a business error) and the saga runs. */
  readonly undeliverable: boolean;
  /**
   * A declined card: the order ends CANCELLED (PAYMENT_DECLINED), one of the outcomes the workflow
   * puts a compliance event for (PutComplianceEvent, docs/adr/0028).
   */
  readonly declined: boolean;
  /** Task states whose own call must fail permanently (a non-retried error) so their catch leads here. */
  readonly failFirst: readonly string[];
  /**
   * The Task whose child start must fail with ExecutionAlreadyExists (the name taken: a restarted
   * parent after the child closed) so that the parent describes the child (docs/adr/0029), if any.
   */
  readonly nameTaken: string | null;
}

/** The narrow match of a Task's own call: the substrings that identify it for one order. */
export interface CallMatch {
  readonly service: MatrixService;
  /** The API operation, where it is not the service's usual one (Invoke, StartExecution, any). */
  readonly operation?: string;
  /** Substrings besides the order id; `{function:LogicalId}` and `{terminal}` are resolved by the runner. */
  readonly match: readonly string[];
}

export interface MatrixRow {
  /** `service@State`, e.g. `dynamodb@ProcessPayment`. */
  readonly id: string;
  readonly state: string;
  readonly service: MatrixService;
  readonly via: 'integration' | 'handler' | 'target';
  /** The Lambda function (logical id) whose calls fail, for `handler` and `target` rows. */
  readonly function?: string;
  /**
   * `order`: the outage can be limited to the row's order (its id or product id is in the request).
   * `global`: it cannot (a task-token callback names no order; an EventBridge target's invocation
   * is matched by function only), so the runner runs the row alone.
   */
  readonly scope: 'order' | 'global';
  readonly reach: Reach;
  /** The state's own call, narrowly matched. */
  readonly gate: CallMatch;
}

type Resources = Record<string, { Type: string; Properties?: any }>;

/** Order-kind hooks of the simulated providers: a business error an order can be made to raise. */
const ERROR_HOOKS: Record<string, 'undeliverable' | 'nameTaken'> = {
  ShipmentFailed: 'undeliverable',
  [EXECUTION_ALREADY_EXISTS_ERROR]: 'nameTaken',
};
/** A Choice condition an order can be made to take. */
const CHOICE_HOOKS: Record<string, 'screened'> = { '$.validation.screeningRequired': 'screened' };
/**
 * Outcomes an order can be made to end with, as `status/reason`: a Choice branch that tests the
 * outcome (`$.outcome.*`) is taken only through one of these (an approved order's outcome is
 * FULFILLED: it takes none of them).
 */
const OUTCOME_HOOKS: Record<string, 'declined'> = { [`CANCELLED/${OUTCOME_REASONS.paymentDeclined}`]: 'declined' };

/** The variables and string values a Choice condition tests (And/Or/Not included). */
function conditionTerms(c: any): Array<{ variable: string; value?: string }> {
  const nested = [...(c.And ?? []), ...(c.Or ?? []), ...(c.Not ? [c.Not] : [])].flatMap(conditionTerms);
  return c.Variable ? [{ variable: c.Variable, value: c.StringEquals }, ...nested] : nested;
}

/** The outcome hook of a Choice branch testing `$.outcome.*`: a hook, null (no order can be made to take it), or undefined (not an outcome test). */
function outcomeHook(c: any): 'declined' | null | undefined {
  const terms = conditionTerms(c);
  if (!terms.some((t) => t.variable.startsWith('$.outcome.'))) return undefined;
  const value = (v: string) => terms.find((t) => t.variable === v)?.value;
  return OUTCOME_HOOKS[`${value('$.outcome.status')}/${value('$.outcome.reason')}`] ?? null;
}

/** The state machine definition, CloudFormation tokens written as `{Ref:Id}` / `{GetAtt:Id}`. */
export function definitionFrom(resources: Resources, name: 'OrderFulfillment' | 'ShipOrder' = 'OrderFulfillment'): any {
  const sm = Object.values(resources).find(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine' && String(r.Properties?.StateMachineName).endsWith(`-${name}`),
  );
  if (!sm) throw new Error(`no ${name} state machine in the template`);
  return definitionOf(sm);
}

/** A state machine resource's definition, tokens written as in `definitionFrom`. */
function definitionOf(sm: { Properties?: any }): any {
  const d = sm.Properties.DefinitionString;
  if (typeof d === 'string') return JSON.parse(d);
  const text = (d['Fn::Join'][1] as unknown[])
    .map((p: any) =>
      typeof p === 'string'
        ? p
        : p.Ref
          ? `{Ref:${p.Ref}}`
          : p['Fn::GetAtt']
            ? `{GetAtt:${p['Fn::GetAtt'][0]}}`
            : '{Token}',
    )
    .join('');
  return JSON.parse(text);
}

/**
 * Every state by name (Parallel branches and Map item processors included), with its parent; the
 * states of a child state machine a Task starts (`states:startExecution`, ShipOrder: docs/adr/0029)
 * are taken in as if they were that Task's branch (`childStart`: the Task → the child's StartAt).
 */
function flatten(definition: any, resources: Resources) {
  const states: Record<string, any> = {};
  const parent: Record<string, string> = {};
  const childStart: Record<string, string> = {};
  const walk = (s: Record<string, any>, outer?: string) => {
    for (const [name, st] of Object.entries(s)) {
      if (name in states) throw new Error(`two states are named ${name}`);
      states[name] = st;
      if (outer) parent[name] = outer;
      for (const b of st.Branches ?? []) walk(b.States, name);
      if (st.ItemProcessor) walk(st.ItemProcessor.States, name);
      if (st.Type === 'Task' && /:states:::states:startExecution/.test(String(st.Resource))) {
        const ref = /\{Ref:([A-Za-z0-9]+)\}/.exec(JSON.stringify(st.Parameters?.StateMachineArn))?.[1];
        const child = ref ? resources[ref] : undefined;
        if (!child) throw new Error(`${name}: the state machine it starts is not in the template`);
        const childDefinition = definitionOf(child);
        childStart[name] = childDefinition.StartAt;
        walk(childDefinition.States, name);
      }
    }
  };
  walk(definition.States);
  return { states, parent, childStart };
}

/** The Lambda function (logical id) a Task invokes, if any. */
function functionOf(task: any): string | undefined {
  const ref = /\{GetAtt:([A-Za-z0-9]+)\}/;
  if (/:states:::lambda:invoke/.test(task.Resource))
    return ref.exec(JSON.stringify(task.Parameters?.FunctionName))?.[1];
  return ref.exec(task.Resource)?.[1];
}

/** The service a Task state's own integration calls. */
export function integrationOf(task: any): MatrixService | undefined {
  if (functionOf(task)) return 'lambda';
  const r = String(task.Resource).replace(/^.*:states:::/, '');
  const service = /^(?:aws-sdk:)?([a-z0-9]+)/.exec(r)?.[1];
  const names: Record<string, MatrixService> = {
    lambda: 'lambda',
    sns: 'sns',
    sqs: 'sqs',
    events: 'events',
    eventbridge: 'events',
    dynamodb: 'dynamodb',
    states: 'states',
    sfn: 'states',
  };
  return service ? names[service] : undefined;
}

/** The matrix services a function's role may call (its policies' action prefixes). */
export function servicesOfFunction(resources: Resources, fn: string): MatrixService[] {
  const role = resources[fn]?.Properties?.Role?.['Fn::GetAtt']?.[0];
  const found = new Set<MatrixService>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' || !(r.Properties.Roles ?? []).some((x: any) => x.Ref === role)) continue;
    for (const st of r.Properties.PolicyDocument.Statement ?? []) {
      if (st.Effect !== 'Allow') continue;
      for (const a of [st.Action].flat()) {
        const prefix = String(a).split(':')[0] as MatrixService;
        if ((MATRIX_SERVICES as readonly string[]).includes(prefix)) found.add(prefix);
      }
    }
  }
  return [...found].sort();
}

/** For a Task that puts events: the Lambda targets (logical ids) of the rules its entries match. */
function eventTargets(resources: Resources, task: any): string[] {
  const entries: any[] = task.Parameters?.Entries ?? [];
  const out = new Set<string>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::Events::Rule') continue;
    const p = r.Properties.EventPattern ?? {};
    const hit = entries.some(
      (e) =>
        (!p.source || p.source.includes(e.Source)) && (!p['detail-type'] || p['detail-type'].includes(e.DetailType)),
    );
    if (!hit) continue;
    for (const t of r.Properties.Targets ?? []) {
      const id = t.Arn?.['Fn::GetAtt']?.[0];
      if (id && resources[id]?.Type === 'AWS::Lambda::Function') out.add(id);
    }
  }
  return [...out].sort();
}

/** The narrow match of a Task's own call (see CallMatch). */
function gateOf(
  state: string,
  service: MatrixService,
  catchers: Record<string, string>,
  states: Record<string, any>,
  resources: Resources,
): CallMatch {
  const task = states[state];
  const fn = functionOf(task);
  if (fn) return { service, match: [`{function:${fn}}`] };
  if (service === 'sns') {
    const attr = Object.values<any>(task.Parameters?.MessageAttributes ?? {})[0];
    return { service, match: [`StringValue=${attr?.StringValue ?? '{terminal}'}`] };
  }
  if (service === 'sqs') {
    // A redelivery record: its queue, and the status of the publish whose catch leads here.
    const queue = /\{Ref:([A-Za-z0-9]+)\}/.exec(JSON.stringify(task.Parameters?.QueueUrl))?.[1];
    const from = catchers[state];
    const status = from ? Object.values<any>(states[from].Parameters?.MessageAttributes ?? {})[0] : undefined;
    return { service, match: [`{queue:${queue}}`, status?.StringValue ?? '{terminal}'] };
  }
  // An AWS SDK integration of Step Functions (DescribeShipOrder): its own operation.
  const sdk = /:states:::aws-sdk:sfn:([a-zA-Z]+)$/.exec(String(task.Resource))?.[1];
  if (service === 'states' && sdk) return { service, operation: sdk[0].toUpperCase() + sdk.slice(1), match: [] };
  // The detail type, or the source when the detail type is taken from the state data (PutComplianceEvent).
  // A child workflow's start (ShipOrder): its state machine's name. The order id alone would also
  // hold start-fulfillment's StartExecution of the order's own execution, which never began.
  if (service === 'states') {
    const ref = /\{Ref:([A-Za-z0-9]+)\}/.exec(JSON.stringify(task.Parameters?.StateMachineArn))?.[1];
    const name = ref ? resources[ref]?.Properties?.StateMachineName : undefined;
    return { service, match: typeof name === 'string' ? [`:stateMachine:${name}`] : [] };
  }
  if (service === 'events')
    return { service, match: (task.Parameters?.Entries ?? []).map((e: any) => e.DetailType ?? e.Source) };
  return { service, match: [] };
}

/**
 * How an order reaches each state: a cheapest path from StartAt. Next/Default/branch edges are
 * free; a Choice branch with a hook costs 1 (a branch testing the outcome is taken only with one); a Catch of a business error with a hook costs 1; a
 * States.ALL catch costs 2 (the state it leaves must fail permanently). Other Choice branches and
 * catches are free or unusable as the hooks allow.
 */
function reaches(
  definition: any,
  states: Record<string, any>,
  childStart: Record<string, string>,
): Record<string, Reach> {
  type Path = { cost: number; reach: Reach };
  const best: Record<string, Path> = {};
  const queue: Array<[string, Path]> = [
    [
      definition.StartAt,
      { cost: 0, reach: { screened: false, undeliverable: false, declined: false, failFirst: [], nameTaken: null } },
    ],
  ];
  while (queue.length) {
    queue.sort((a, b) => a[1].cost - b[1].cost);
    const [name, path] = queue.shift()!;
    if (best[name] && best[name].cost <= path.cost) continue;
    best[name] = path;
    const s = states[name];
    if (!s) continue;
    const go = (to: string | undefined, cost = 0, change: Partial<Reach> = {}) => {
      if (to) queue.push([to, { cost: path.cost + cost, reach: { ...path.reach, ...change } }]);
    };
    go(s.Next);
    go(s.Default);
    for (const b of s.Branches ?? []) go(b.StartAt);
    go(s.ItemProcessor?.StartAt);
    go(childStart[name]);
    for (const c of s.Choices ?? []) {
      const outcome = outcomeHook(c);
      if (outcome) go(c.Next, 1, { [outcome]: true });
      if (outcome !== undefined) continue;
      const hook = CHOICE_HOOKS[c.Variable];
      if (hook && c.BooleanEquals === true) go(c.Next, 1, { [hook]: true });
      else if (!hook) go(c.Next);
    }
    for (const c of s.Catch ?? []) {
      // A task-token wait's ShipmentFailed is the carrier's answer, which an order cannot be made to get.
      const hook = /waitForTaskToken$/.test(String(s.Resource))
        ? undefined
        : c.ErrorEquals.map((e: string) => ERROR_HOOKS[e]).find(Boolean);
      if (hook === 'nameTaken') go(c.Next, 1, { nameTaken: name });
      else if (hook) go(c.Next, 1, { [hook]: true });
      else if (c.ErrorEquals.includes('States.ALL') && s.Type === 'Task')
        go(c.Next, 2, { failFirst: [...path.reach.failFirst, name] });
    }
  }
  return Object.fromEntries(Object.entries(best).map(([n, p]) => [n, p.reach]));
}

/** The outage matrix of a Pipeline stack's template. */
export function deriveMatrix(resources: Resources): MatrixRow[] {
  const definition = definitionFrom(resources);
  const { states, childStart } = flatten(definition, resources);
  const reach = reaches(definition, states, childStart);
  // The Task whose States.ALL catch leads straight to a state (a publish → its redelivery record).
  const catchers: Record<string, string> = {};
  for (const [name, s] of Object.entries(states))
    for (const c of s.Catch ?? [])
      if (c.ErrorEquals.includes('States.ALL') && states[c.Next]?.Type === 'Task') catchers[c.Next] = name;

  const rows: MatrixRow[] = [];
  for (const [state, task] of Object.entries(states)) {
    if (task.Type !== 'Task') continue;
    const service = integrationOf(task);
    if (!service) throw new Error(`${state}: the matrix does not know the service of ${task.Resource}`);
    if (!reach[state]) throw new Error(`${state}: no order reaches it`);
    const base = { state, reach: reach[state], gate: gateOf(state, service, catchers, states, resources) };
    const row = (s: MatrixService, via: MatrixRow['via'], fn?: string, scope: MatrixRow['scope'] = 'order') =>
      rows.push({
        id: `${s}@${state}${via === 'target' ? '(target)' : ''}`,
        service: s,
        via,
        scope,
        ...base,
        ...(fn ? { function: fn } : {}),
      });
    row(service, 'integration');
    const fn = functionOf(task);
    if (fn) for (const s of servicesOfFunction(resources, fn)) if (s !== service) row(s, 'handler', fn);
    if (service === 'events' && /waitForTaskToken/.test(task.Resource)) {
      for (const target of eventTargets(resources, task)) {
        row('lambda', 'target', target, 'global');
        // A task-token callback names no order: a `states` outage cannot be limited to one.
        for (const s of servicesOfFunction(resources, target))
          row(s, 'target', target, s === 'states' ? 'global' : 'order');
      }
    }
  }
  return rows;
}
