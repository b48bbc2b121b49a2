/**
 * The OrderClaims table and who may touch it (docs/adr/0019-claim-check-for-payment-data.md): the
 * writer only puts, only the payment step reads the token, only the shipment step the address,
 * and every statement is held to its `<kind>#` keys. The execution data keys on the pipeline key.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { claimKey, HANDLER_ENV, ORDER_CLAIM_TTL_HOURS, TABLE_KEYS } from '@securecart/contracts';
import { definitionOf } from './helpers/asl';
import { synthesizeForFile } from './helpers/synth';
import { ofType, oneAtPath, Resources, resourcesOf, roleAt } from './helpers/template';

describe('OrderClaims', () => {
  const { sandbox } = synthesizeForFile(['sandbox']);
  let t: Template;
  let resources: Resources;
  beforeAll(() => {
    t = sandbox.template(sandbox.stacks.pipeline);
    resources = resourcesOf(t);
  });
  const claimsStatements = (fragment: string) =>
    roleAt(resources, fragment).statements.filter((st: any) =>
      JSON.stringify(st.Resource).includes('OrderClaimsTable'),
    );
  /** What a function may do to claims: action → the key prefixes it is held to. */
  const claimAccess = (fragment: string) =>
    Object.fromEntries(
      claimsStatements(fragment).map((st: any) => [
        [st.Action].flat().join(','),
        st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
      ]),
    );
  const payment = claimKey('payment', '*');
  const shipping = claimKey('shipping', '*');

  test('a table on the pipeline key, TTL on expiresAt, point-in-time recovery of 1 day only', () => {
    const [, table] = oneAtPath(resources, 'AWS::DynamoDB::Table', 'OrderClaims/Table');
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: TABLE_KEYS.orderClaims.partitionKey, KeyType: 'HASH' }],
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      },
      TimeToLiveSpecification: { AttributeName: TABLE_KEYS.orderClaims.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 1 },
    });
  });

  test('a claim outlives every execution: its TTL is longer than the state machine may run', () => {
    const timeout = definitionOf(resources).TimeoutSeconds;
    expect(timeout).toBe(2 * 3600);
    expect(ORDER_CLAIM_TTL_HOURS * 3600).toBeGreaterThan(timeout);
  });

  test('least privilege: the writer only puts; only process-payment reads the token, only create-shipment the address', () => {
    expect(claimAccess('OrderIntake/StartFulfillment')).toEqual({ 'dynamodb:PutItem': [payment, shipping] });
    expect(claimAccess('FulfillmentSteps/ProcessPayment')).toEqual({
      'dynamodb:GetItem': [payment],
      'dynamodb:DeleteItem': [payment, shipping],
    });
    expect(claimAccess('FulfillmentSteps/CreateShipment')).toEqual({ 'dynamodb:GetItem': [shipping] });
    expect(claimAccess('FulfillmentSteps/RefundPayment')).toEqual({ 'dynamodb:DeleteItem': [payment, shipping] });
    for (const step of [
      'FulfillmentSteps/ValidateOrder',
      'FulfillmentSteps/ReserveInventory',
      'FulfillmentSteps/ReleaseInventory',
      'FulfillmentSteps/CreateInvoice',
      'EventRouting/ScreenFraud',
      'EventRouting/Restock',
    ]) {
      expect({ step, statements: claimsStatements(step) }).toEqual({ step, statements: [] });
    }
    // Nothing else names the table: no other role, no wildcard.
    const naming = ofType(resources, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('OrderClaimsTable'),
    );
    expect(naming).toHaveLength(4);
  });

  test('exactly the functions that use claims are told the table', () => {
    const told = ofType(resources, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.[HANDLER_ENV.orderClaimsTable])
      .map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME)
      .sort();
    expect(told).toEqual(['create-shipment', 'process-payment', 'refund-payment', 'start-fulfillment']);
  });

  test('callers that hand data to an execution may use the pipeline key in its encryption context only', () => {
    for (const fragment of ['OrderIntake/StartFulfillment', 'EventRouting/ScreenFraud']) {
      const scoped = roleAt(resources, fragment).statements.filter(
        (st: any) => st.Condition?.StringEquals?.['kms:EncryptionContext:aws:states:stateMachineArn'],
      );
      expect({ fragment, actions: scoped.map((st: any) => [st.Action].flat().sort()) }).toEqual({
        fragment,
        actions: [['kms:Decrypt', 'kms:GenerateDataKey']],
      });
    }
  });
});
