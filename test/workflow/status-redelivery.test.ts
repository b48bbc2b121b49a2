import { Template } from 'aws-cdk-lib/assertions';
import { DELIVERY } from '@securecart/contracts';
import { allStates, definitionOf, stateMachineOf } from '../helpers/asl';
import { synthesizeForFile } from '../helpers/synth';
import { ofType, oneAtPath, Resources, resourcesOf, roleAt } from '../helpers/template';

/*
 * The status-redelivery path in the synthesized Pipeline stack (docs/adr/0017): every status
 * publish records its event on the status-redelivery queue when SNS fails for minutes;
 * redeliver-status publishes it again. (How the workflow behaves: resilience.test.ts.)
 */
describe('Pipeline stack: status redelivery', () => {
  const { sandbox } = synthesizeForFile(['sandbox']);
  let t: Template;
  let resources: Resources;
  beforeAll(() => {
    t = sandbox.template(sandbox.stacks.pipeline);
    resources = resourcesOf(t);
  });
  const byType = (type: string) => ofType(resources, type);
  const byPath = (type: string, fragment: string) => oneAtPath(resources, type, fragment);
  const definition = () => definitionOf(resources);
  const statementsOf = (fragment: string) => roleAt(resources, fragment).statements;
  const actionsOf = (fragment: string) => roleAt(resources, fragment).actions;

  describe('status redelivery (docs/adr/0017)', () => {
    const states = () => allStates(definition());
    const redelivery = () => byPath('AWS::SQS::Queue', 'OrderEvents/Redelivery/Queue/Queue');

    test('every status publish retries SNS for minutes, then records the event on the status-redelivery queue', () => {
      const publishers = Object.entries(states()).filter(([, s]) => /sns:publish$/.test(s.Resource ?? ''));
      expect(publishers).toHaveLength(5);
      for (const [name, s] of publishers) {
        expect(s.Retry).toEqual([
          expect.objectContaining({
            ErrorEquals: expect.arrayContaining(['SNS.InternalErrorException']),
            MaxAttempts: 25,
          }),
        ]);
        expect(s.Catch).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.statusError', Next: `${name}ForRedelivery` },
        ]);
        const record = states()[`${name}ForRedelivery`];
        expect(record.Resource).toMatch(/:states:::sqs:sendMessage$/);
        expect(record.Parameters).toEqual({
          QueueUrl: 'TOKEN', // the queue's URL: a Ref, checked below
          'MessageBody.$': 'States.JsonToString($.statusEvent)',
        });
        // Published or recorded, the order goes on to the same state.
        expect(record.Next).toBe(s.Next);
      }
      const machine = stateMachineOf(Object.fromEntries(byType('AWS::StepFunctions::StateMachine')));
      expect(JSON.stringify(machine.Properties.DefinitionString)).toContain(JSON.stringify({ Ref: redelivery()[0] }));
    });

    test('the queue is encrypted with the pipeline key, has its own DLQ, and redeliver-status consumes it', () => {
      const [id, q] = redelivery();
      expect(q.Properties).toMatchObject({
        QueueName: 'securecart-sandbox-status-redelivery',
        KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
        VisibilityTimeout: DELIVERY.statusRedelivery.visibilityTimeoutSeconds,
        RedrivePolicy: { maxReceiveCount: DELIVERY.statusRedelivery.maxReceiveCount },
      });
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: DELIVERY.statusRedelivery.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        EventSourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
      });
      const [, fn] = byPath('AWS::Lambda::Function', 'Redelivery/RedeliverStatus/Function');
      expect(fn.Properties.Environment.Variables.ORDER_EVENTS_TOPIC_ARN).toEqual({
        Ref: expect.stringMatching(/^OrderEventsTopic/),
      });
    });

    test('least privilege: the state machine may only send to the queue; redeliver-status may only publish to OrderEvents', () => {
      const [id] = redelivery();
      const smSends = statementsOf('OrderFulfillment/StateMachine').filter((st: any) =>
        [st.Action].flat().some((a: string) => a.startsWith('sqs:')),
      );
      expect(smSends).toEqual([
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [id, 'Arn'] } }),
      ]);
      const publish = statementsOf('RedeliverStatus').filter((st: any) =>
        [st.Action].flat().some((a: string) => a.startsWith('sns:')),
      );
      expect(publish).toEqual([
        expect.objectContaining({
          Action: 'sns:Publish',
          Resource: { Ref: expect.stringMatching(/^OrderEventsTopic/) },
        }),
      ]);
      expect(actionsOf('RedeliverStatus').filter((a: string) => a.startsWith('kms:'))).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']),
      );
    });

    test('alarms: an event recorded at all, one waiting over 10 minutes, and the DLQ, each with its runbook', () => {
      const [id] = redelivery();
      const alarms = byType('AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties)
        .filter((a) => JSON.stringify(a).includes('OrderEventsRedelivery'));
      const recorded = alarms.find((a) => JSON.stringify(a.Metrics ?? []).includes('NumberOfMessagesSent'));
      expect(recorded).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(JSON.stringify(recorded.Metrics)).toContain(id);
      expect(recorded.AlarmDescription).toMatch(/Runbook: docs\/runbooks\/status-redelivery\.md$/);
      expect(alarms.find((a) => a.MetricName === 'ApproximateAgeOfOldestMessage')).toMatchObject({ Threshold: 600 });
      expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    });
  });
});
