import { AFFINITY_KEYS, HANDLER_ENV } from '@securecart/contracts';
import { CLICKSTREAM_CONSUMER } from '../lib/constructs/clickstream/clickstream';
import { RUNBOOKS } from '../lib/constructs/ops-alarms';
import { Synthesized, synthesizeForFile } from './helpers/synth';
import { ofType, oneAtPath, resourcesOf, roleAt } from './helpers/template';

/*
 * The clickstream (issue 21, ADR 25) as synthesized: the stream per profile, the consumer's event
 * source, its least-privilege grants, its alarms, and the outputs local runs read.
 */
describe('Clickstream (Pipeline stack)', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);
  const pipeline = (s: Synthesized) => resourcesOf(s.template(s.stacks.pipeline));
  const all = () => [sandbox, prod, localstack];

  test('the stream: the pipeline CMK, 24 h; one provisioned shard in sandbox and localstack, on-demand in prod', () => {
    const shape = (s: Synthesized) => {
      const [, stream] = oneAtPath(pipeline(s), 'AWS::Kinesis::Stream', 'Clickstream/Stream');
      return stream.Properties;
    };
    for (const s of all()) {
      expect(shape(s)).toMatchObject({
        Name: `securecart-${s.profile.name}-clickstream`,
        RetentionPeriodHours: 24,
        StreamEncryption: {
          EncryptionType: 'KMS',
          KeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
        },
      });
    }
    expect(shape(sandbox)).toMatchObject({ ShardCount: 1, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    expect(shape(localstack)).toMatchObject({ ShardCount: 1, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    expect(shape(prod).StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(shape(prod).ShardCount).toBeUndefined();
  });

  test('the event source: batch size and window, bisect, bounded retries and age, on-failure queue, item failures', () => {
    for (const s of all()) {
      const r = pipeline(s);
      const [, mapping] = ofType(r, 'AWS::Lambda::EventSourceMapping').find(([id]) => id.startsWith('Clickstream'))!;
      const [queueId] = oneAtPath(r, 'AWS::SQS::Queue', 'Clickstream/OnFailure/Queue');
      const [streamId] = oneAtPath(r, 'AWS::Kinesis::Stream', 'Clickstream/Stream');
      const [fnId] = oneAtPath(r, 'AWS::Lambda::Function', 'Clickstream/ClickstreamConsumer/Function');
      expect(mapping.Properties).toEqual({
        EventSourceArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
        FunctionName: { Ref: fnId },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: CLICKSTREAM_CONSUMER.batchSize,
        MaximumBatchingWindowInSeconds: CLICKSTREAM_CONSUMER.maxBatchingWindow.toSeconds(),
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: CLICKSTREAM_CONSUMER.retryAttempts,
        MaximumRecordAgeInSeconds: CLICKSTREAM_CONSUMER.maxRecordAge.toSeconds(),
        ParallelizationFactor: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
        Tags: expect.any(Array),
      });
      expect(CLICKSTREAM_CONSUMER.retryAttempts).toBeLessThanOrEqual(10);
      const [, queue] = oneAtPath(r, 'AWS::SQS::Queue', 'Clickstream/OnFailure/Queue');
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] });
      const [, fn] = oneAtPath(r, 'AWS::Lambda::Function', 'Clickstream/ClickstreamConsumer/Function');
      expect(Object.keys(fn.Properties.Environment.Variables)).toContain(HANDLER_ENV.productAffinityTable);
    }
  });

  test('the consumer may read the stream, send to its on-failure queue, and read, put and update ProductAffinity items: nothing else', () => {
    const { statements } = roleAt(pipeline(sandbox), 'Clickstream/ClickstreamConsumer');
    const actions = statements.flatMap((st: any) => [st.Action].flat()).sort();
    expect(actions).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamConsumer',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'kinesis:ListStreams',
        'kinesis:SubscribeToShard',
        'kms:Decrypt',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
  });

  test('alarms: iterator age, consumer errors, throttled puts, the on-failure queue; each with the clickstream runbook', () => {
    const r = pipeline(sandbox);
    const alarms = ofType(r, 'AWS::CloudWatch::Alarm')
      .filter(([id]) => id.startsWith('Clickstream'))
      .map(([, { Properties: p }]) => [
        p.MetricName ?? p.Metrics.find((m: any) => m.ReturnData !== false).MetricStat.Metric.MetricName,
        p.Threshold,
        p.AlarmDescription,
      ]);
    expect(alarms.map(([m, t]) => [m, t]).sort()).toEqual(
      [
        ['ApproximateNumberOfMessagesVisible', 1],
        ['Errors', 1],
        ['IteratorAge', CLICKSTREAM_CONSUMER.iteratorAgeAlarm.toMilliseconds()],
        ['WriteProvisionedThroughputExceeded', 1],
      ].sort(),
    );
    for (const [, , description] of alarms)
      expect(description).toMatch(new RegExp(`Runbook: ${RUNBOOKS.clickstream}$`));
  });

  test('outputs for operators and local runs: the stream, its on-failure queue, ProductAffinity', () => {
    for (const s of all()) {
      const outputs = s.template(s.stacks.pipeline).toJSON().Outputs;
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining(['ClickstreamStreamName', 'ClickstreamDlqUrl', 'ProductAffinityTableName']),
      );
      expect(s.template(s.stacks.data).toJSON().Outputs.ProductAffinityTableName).toBeDefined();
    }
    expect(AFFINITY_KEYS.partitionKey).toBe('pk');
  });
});
