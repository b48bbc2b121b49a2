import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { COMPLIANCE_SOURCE } from '@securecart/contracts';
import { PROFILES } from '../lib/config/profiles';
import { PipelineStack } from '../lib/stacks/pipeline-stack';
import { definitionFrom, deriveMatrix, MatrixRow } from '../scripts/chaos/matrix';
import { allStates, definitionOf, stateMachineOf } from './helpers/asl';
import { scratchApps } from './helpers/synth';
import { Resources, roleStatements } from './helpers/template';

/*
 * The chaos suite's outage matrix (scripts/chaos/matrix.ts, docs/adr/0017) is derived from the
 * synthesized Pipeline template of the profile it runs on (localstack). These tests read the same
 * template their own way and check the derivation covers every Task state and every dependency it
 * calls, and that a Task added to the workflow enters the matrix by itself.
 */
describe('the outage matrix, derived from the synthesized definition', () => {
  const scratch = scratchApps();
  let resources: Resources;
  let rows: MatrixRow[];
  let tasks: Record<string, any>;
  beforeAll(() => {
    const app = scratch();
    const data = new Stack(app, 'Data');
    const table = (id: string) => dynamodb.Table.fromTableName(data, id, id);
    const pipeline = new PipelineStack(app, 'SecureCart-localstack-Pipeline', {
      profile: PROFILES.localstack,
      catalogTable: table('catalog'),
      idempotencyTable: table('idempotency'),
      productAffinityTable: table('product-affinity'),
      cartsTable: table('carts'),
    });
    resources = Template.fromStack(pipeline).toJSON().Resources;
    rows = deriveMatrix(resources);
    // OrderFulfillment and ShipOrder, the sub-workflow it starts per package (docs/adr/0029).
    const states = { ...allStates(definitionOf(resources)), ...allStates(definitionOf(resources, 'ShipOrder')) };
    tasks = Object.fromEntries(Object.entries(states).filter(([, s]) => s.Type === 'Task'));
  });

  const servicesOf = (state: string) =>
    rows
      .filter((r) => r.state === state)
      .map((r) => `${r.service}${r.via === 'integration' ? '' : ` (${r.via})`}`)
      .sort();

  test('every Task state of the definition has rows, and nothing else does', () => {
    expect([...new Set(rows.map((r) => r.state))].sort()).toEqual(Object.keys(tasks).sort());
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  test('each Lambda step’s row set holds every matrix service its function’s role may call', () => {
    const problems: string[] = [];
    const checked: string[] = [];
    for (const [name, task] of Object.entries(tasks)) {
      if (!/Arn|TOKEN/.test(String(task.Resource)) || /states:::/.test(String(task.Resource))) continue;
      const fnId = Object.keys(resources).find(
        (id) => resources[id].Type === 'AWS::Lambda::Function' && id.startsWith(`FulfillmentSteps${name}Function`),
      );
      if (!fnId) {
        problems.push(`${name}: no FulfillmentSteps function`);
        continue;
      }
      const roleId = resources[fnId].Properties.Role['Fn::GetAtt'][0];
      const prefixes = new Set(
        roleStatements(resources, roleId)
          .flatMap((s: any) => [s.Action].flat())
          .map((a: string) => a.split(':')[0])
          .filter((p: string) => ['dynamodb', 'sns', 'sqs', 'events', 'states', 'lambda'].includes(p)),
      );
      const covered = new Set(rows.filter((r) => r.state === name).map((r) => r.service));
      for (const p of prefixes)
        if (!covered.has(p as MatrixRow['service'])) problems.push(`${name}: ${p} not in the matrix`);
      if (!covered.has('lambda')) problems.push(`${name}: its Lambda invoke is not in the matrix`);
      checked.push(name);
    }
    expect(problems).toEqual([]);
    expect(checked).toHaveLength(9); // validate, pay, reserve, invoice, refund, release; ShipOrder's create, commit and cancel
  });

  test('the matrix: every Task state and each dependency it calls (the table the chaos run fills in)', () => {
    expect(Object.fromEntries(Object.keys(tasks).map((t) => [t, servicesOf(t)]))).toEqual({
      PublishAccepted: ['sns'],
      PublishAcceptedForRedelivery: ['sqs'],
      ValidateOrder: ['dynamodb (handler)', 'lambda'],
      PublishValidated: ['sns'],
      PublishValidatedForRedelivery: ['sqs'],
      PublishScreening: ['sns'],
      PublishScreeningForRedelivery: ['sqs'],
      ScreenForFraud: ['events', 'lambda (target)', 'states (target)'],
      ProcessPayment: ['dynamodb (handler)', 'lambda'],
      PublishPaid: ['sns'],
      PublishPaidForRedelivery: ['sqs'],
      ReserveInventory: ['dynamodb (handler)', 'events (handler)', 'lambda'],
      CreateInvoice: ['dynamodb (handler)', 'lambda'],
      ShipOrder: ['states'],
      DescribeShipOrder: ['states'],
      CreateShipment: ['dynamodb (handler)', 'lambda'],
      WaitForPickup: ['events', 'lambda (target)', 'states (target)'],
      CommitShipment: ['dynamodb (handler)', 'lambda'],
      CancelShipment: ['dynamodb (handler)', 'lambda'],
      // refund-payment also puts Refund Issued / Refund Failed (ADR 28; never fails the refund).
      RefundPayment: ['dynamodb (handler)', 'events (handler)', 'lambda'],
      // The outcome's compliance event (ADR 28): only for a compliance outcome (declined, fraud, FAILED).
      PutComplianceEvent: ['events'],
      ReleaseInventory: ['dynamodb (handler)', 'lambda'],
      PublishOutcome: ['sns'],
      PublishOutcomeForRedelivery: ['sqs'],
    });
    // The callback names no order and a target is matched by function only: those rows run alone.
    expect(rows.filter((r) => r.scope === 'global').map((r) => r.id)).toEqual([
      'lambda@ScreenForFraud(target)',
      'states@ScreenForFraud(target)',
      'lambda@WaitForPickup(target)',
      'states@WaitForPickup(target)',
    ]);
  });

  test('how an order reaches each state: screened, undeliverable (the saga after payment), declined, or a publish failing first', () => {
    const reach = (state: string) => {
      const r = rows.find((x) => x.state === state)!.reach;
      return [
        r.screened && 'screened',
        r.undeliverable && 'undeliverable',
        r.declined && 'declined',
        ...r.failFirst.map((f) => `fail ${f}`),
        r.nameTaken && `name taken at ${r.nameTaken}`,
      ]
        .filter(Boolean)
        .join(', ');
    };
    expect(Object.fromEntries(Object.keys(tasks).map((t) => [t, reach(t)]))).toEqual({
      PublishAccepted: '',
      PublishAcceptedForRedelivery: 'fail PublishAccepted',
      ValidateOrder: '',
      PublishValidated: '',
      PublishValidatedForRedelivery: 'fail PublishValidated',
      PublishScreening: 'screened',
      PublishScreeningForRedelivery: 'screened, fail PublishScreening',
      ScreenForFraud: 'screened',
      ProcessPayment: '',
      PublishPaid: '',
      PublishPaidForRedelivery: 'fail PublishPaid',
      ReserveInventory: '',
      CreateInvoice: '',
      ShipOrder: '',
      DescribeShipOrder: 'name taken at ShipOrder',
      CreateShipment: '',
      WaitForPickup: '',
      CommitShipment: '',
      CancelShipment: 'fail CommitShipment',
      RefundPayment: 'undeliverable',
      // Only after a compliance outcome (ADR 28): a declined card's CANCELLED PAYMENT_DECLINED, not an approved order.
      PutComplianceEvent: 'declined',
      ReleaseInventory: 'undeliverable',
      PublishOutcome: '',
      PublishOutcomeForRedelivery: 'fail PublishOutcome',
    });
  });

  test('each row’s gate names the state’s own call narrowly (its function, status or detail type)', () => {
    const gates = Object.fromEntries(rows.filter((r) => r.via === 'integration').map((r) => [r.state, r.gate]));
    expect(gates.PublishPaid).toEqual({ service: 'sns', match: ['StringValue=PAID'] });
    expect(gates.PublishOutcome).toEqual({ service: 'sns', match: ['StringValue={terminal}'] });
    expect(gates.PublishPaidForRedelivery).toEqual({
      service: 'sqs',
      match: [expect.stringMatching(/^\{queue:OrderEventsRedeliveryQueue[0-9A-F]{8}\}$/), 'PAID'],
    });
    expect(gates.ScreenForFraud).toEqual({ service: 'events', match: ['Order Screening Requested'] });
    // The child workflow's start, not any StartExecution naming the order (start-fulfillment's starts the order).
    expect(gates.ShipOrder).toEqual({ service: 'states', match: [':stateMachine:securecart-localstack-ShipOrder'] });
    // Its detail type comes from the state data: the compliance source names the call instead.
    expect(gates.PutComplianceEvent).toEqual({ service: 'events', match: [COMPLIANCE_SOURCE] });
    // The child described after ExecutionAlreadyExists: DescribeExecution, not the start.
    expect(gates.DescribeShipOrder).toEqual({ service: 'states', operation: 'DescribeExecution', match: [] });
    expect(gates.RefundPayment).toEqual({
      service: 'lambda',
      match: [expect.stringMatching(/^\{function:FulfillmentStepsRefundPaymentFunction[0-9A-F]{8}\}$/)],
    });
    // A handler row holds its order at the state with the state's own Lambda invoke.
    const handlerRow = rows.find((r) => r.id === 'dynamodb@RefundPayment')!;
    expect(handlerRow.gate).toEqual(gates.RefundPayment);
  });

  test('a Task added to the workflow enters the matrix by itself, with its dependencies and its reach', () => {
    const copy: Resources = JSON.parse(JSON.stringify(resources));
    const sm = stateMachineOf(copy);
    const restock = Object.keys(copy).find((id) => id.startsWith('EventRoutingRestockFunction'))!;
    // After PublishPaid, a new Lambda step calling the restock function (its role: DynamoDB).
    const definition = definitionFrom(copy);
    expect(definition.States.PublishPaid.Next).toBe('ReserveAndInvoice');
    definition.States.PublishPaid.Next = 'NewStep';
    definition.States.NewStep = { Type: 'Task', Resource: `{GetAtt:${restock}}`, Next: 'ReserveAndInvoice' };
    sm.Properties.DefinitionString = JSON.stringify(definition);
    const added = deriveMatrix(copy).filter((r) => r.state === 'NewStep');
    expect(added.map((r) => `${r.id} ${r.via}`)).toEqual(['lambda@NewStep integration', 'dynamodb@NewStep handler']);
    expect(added[0].reach).toEqual({
      screened: false,
      undeliverable: false,
      declined: false,
      failFirst: [],
      nameTaken: null,
    });
  });

  test('a branch that tests the outcome is taken only through an outcome an order can be made to have', () => {
    const copy: Resources = JSON.parse(JSON.stringify(resources));
    const sm = stateMachineOf(copy);
    const definition = definitionFrom(copy);
    const choice = definition.States['ComplianceEvent?'];
    const declined = choice.Choices.find((c: any) => c.Next === 'CompliancePaymentDeclined');
    expect(declined).toBeDefined();
    // Without the declined branch no order can be made to reach PutComplianceEvent: the derivation throws.
    choice.Choices = choice.Choices.filter((c: any) => c !== declined);
    sm.Properties.DefinitionString = JSON.stringify(definition);
    expect(() => deriveMatrix(copy)).toThrow('PutComplianceEvent: no order reaches it');
    // The same outcome tested in the other order (reason, then status) is the same hook.
    choice.Choices.push({
      And: [
        { Variable: '$.outcome.reason', StringEquals: 'PAYMENT_DECLINED' },
        { Variable: '$.outcome.status', StringEquals: 'CANCELLED' },
      ],
      Next: 'CompliancePaymentDeclined',
    });
    sm.Properties.DefinitionString = JSON.stringify(definition);
    expect(deriveMatrix(copy).find((r) => r.state === 'PutComplianceEvent')!.reach.declined).toBe(true);
  });
});
