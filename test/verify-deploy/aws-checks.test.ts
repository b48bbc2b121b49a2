import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import type { StackStatus } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeStateMachineCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetTracesCommand, GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import {
  checkHistoryHasNoToken,
  checkLogsHaveNoToken,
  executionArn,
  stateMachineLogGroup,
} from '../../scripts/verify-deploy/checks/data-protection';
import {
  checkAlarmMetrics,
  checkAlarms,
  checkDashboard,
  checkOrderTrace,
} from '../../scripts/verify-deploy/checks/observability';
import { checkServiceRunning } from '../../scripts/verify-deploy/checks/service';
import { checkQueues, checkStatuses, checkTables, statusEventOf } from '../../scripts/verify-deploy/checks/pipeline';
import { checkDeployment, readDeployment } from '../../scripts/verify-deploy/deployment';

/*
 * verify:deploy's AWS checks with mocked SDK clients: each passes on a good answer and fails, saying
 * what is wrong, on a bad one.
 */

const config = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:securecart-sandbox-OrderFulfillment';
const notFound = (name: string) =>
  Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });

describe('stack outputs', () => {
  const cfn = new CloudFormationClient(config);
  const cfnEdge = new CloudFormationClient({ ...config, region: 'us-east-1' });
  const cfnMock = mockClient(cfn);
  const edgeMock = mockClient(cfnEdge);
  const stack = (name: string, status: StackStatus, outputs: Record<string, string>) => ({
    Stacks: [
      {
        StackName: name,
        StackStatus: status,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  const data = { CatalogTableName: 'c', CartsTableName: 'k', IdempotencyTableName: 'i' };
  const pipeline = {
    OrdersQueueUrl: 'q',
    OrderStatusQueueUrl: 's',
    StateMachineArn: SM,
    CatalogTableName: 'c',
    AlarmTopicArn: 't',
  };
  beforeEach(() => {
    cfnMock.reset();
    edgeMock.reset();
    cfnMock.on(DescribeStacksCommand).callsFake(({ StackName }) => Promise.reject(notFound(StackName)));
    edgeMock.on(DescribeStacksCommand).callsFake(({ StackName }) => Promise.reject(notFound(StackName)));
    cfnMock
      .on(DescribeStacksCommand, { StackName: 'SecureCart-localstack-Data' })
      .resolves(stack('Data', 'CREATE_COMPLETE', data));
  });

  test('passes when every expected stack is complete with its outputs', async () => {
    cfnMock
      .on(DescribeStacksCommand, { StackName: 'SecureCart-localstack-Pipeline' })
      .resolves(stack('Pipeline', 'UPDATE_COMPLETE', pipeline));
    const d = await readDeployment({ cfn, cfnEdge }, 'localstack');
    expect(Object.keys(d.stacks)).toEqual(['Data', 'Pipeline']);
    expect(checkDeployment(d, ['Data', 'Pipeline'])).toBe('2 stacks complete (Data, Pipeline), 8 outputs');
  });

  test('fails naming the stack missing, rolled back or lacking outputs', async () => {
    cfnMock
      .on(DescribeStacksCommand, { StackName: 'SecureCart-localstack-Pipeline' })
      .resolves(stack('Pipeline', 'UPDATE_ROLLBACK_COMPLETE', { OrdersQueueUrl: 'q' }));
    const d = await readDeployment({ cfn, cfnEdge }, 'localstack');
    expect(() => checkDeployment(d, ['Data', 'Pipeline', 'Api'])).toThrow(
      'SecureCart-localstack-Pipeline is UPDATE_ROLLBACK_COMPLETE (expected CREATE_COMPLETE or UPDATE_COMPLETE); SecureCart-localstack-Pipeline lacks outputs OrderStatusQueueUrl, StateMachineArn, CatalogTableName, AlarmTopicArn; SecureCart-localstack-Api is not deployed',
    );
  });

  test('another CloudFormation error is not taken for a missing stack', async () => {
    cfnMock
      .on(DescribeStacksCommand, { StackName: 'SecureCart-localstack-Network' })
      .rejects(
        Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }),
      );
    await expect(readDeployment({ cfn, cfnEdge }, 'localstack')).rejects.toThrow('security token');
  });
});

describe('alarms and dashboard', () => {
  const cfn = new CloudFormationClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const cfnMock = mockClient(cfn);
  const cwMock = mockClient(cloudwatch);
  beforeEach(() => {
    cfnMock.reset();
    cwMock.reset();
    cfnMock.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          ResourceType: 'AWS::CloudWatch::Alarm',
          PhysicalResourceId: 'a1',
          LogicalResourceId: 'A1',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          ResourceType: 'AWS::SQS::Queue',
          PhysicalResourceId: 'q',
          LogicalResourceId: 'Q',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          ResourceType: 'AWS::CloudWatch::Alarm',
          PhysicalResourceId: 'a2',
          LogicalResourceId: 'A2',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
  });
  const stacks = () => [{ name: 'SecureCart-sandbox-Pipeline', cfn, cloudwatch }];

  test('pass when every alarm of the stacks is quiet and has an action', async () => {
    cwMock.on(DescribeAlarmsCommand, { AlarmNames: ['a1', 'a2'] }).resolves({
      MetricAlarms: [
        { AlarmName: 'a1', StateValue: 'OK', AlarmActions: ['arn:topic'] },
        { AlarmName: 'a2', StateValue: 'INSUFFICIENT_DATA', AlarmActions: ['arn:topic'] },
      ],
    });
    await expect(checkAlarms(stacks())).resolves.toBe(
      '2 alarms in 1 stacks, all OK or INSUFFICIENT_DATA, each with an action',
    );
  });

  test('fail on an alarm in ALARM, one without an action, one not found', async () => {
    cwMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'a1', StateValue: 'ALARM', StateReason: 'Threshold Crossed', AlarmActions: [] }],
    });
    await expect(checkAlarms(stacks())).rejects.toThrow(
      '3 problems: a2 (SecureCart-sandbox-Pipeline) not found; a1 is ALARM: Threshold Crossed; a1 has no alarm action',
    );
  });

  test('the dashboard passes with widgets and fails when missing or empty', async () => {
    cwMock.on(GetDashboardCommand).resolves({ DashboardBody: JSON.stringify({ widgets: [{}, {}] }) });
    await expect(checkDashboard(cloudwatch, 'securecart-sandbox-orders')).resolves.toBe(
      'securecart-sandbox-orders: 2 widgets',
    );
    cwMock.on(GetDashboardCommand).resolves({ DashboardBody: JSON.stringify({ widgets: [] }) });
    await expect(checkDashboard(cloudwatch, 'd')).rejects.toThrow('dashboard d has no widgets');
    cwMock
      .on(GetDashboardCommand)
      .rejects(Object.assign(new Error('Dashboard does not exist'), { name: 'ResourceNotFound' }));
    await expect(checkDashboard(cloudwatch, 'd')).rejects.toThrow(
      'dashboard d: ResourceNotFound: Dashboard does not exist',
    );
  });
});

describe('X-Ray trace of the order', () => {
  const xray = new XRayClient(config);
  const xrayMock = mockClient(xray);
  const doc = (fields: Record<string, string>) => ({ Id: 'x', Document: JSON.stringify(fields) });
  const gateway = doc({ name: 'securecart-sandbox-checkout/live', origin: 'AWS::ApiGateway::Stage' });
  const service = doc({ name: 'checkout-api', origin: 'AWS::ECS::Container' });
  const workflow = doc({ name: 'securecart-sandbox-OrderFulfillment', origin: 'AWS::StepFunctions::StateMachine' });
  const consumer = {
    Id: 'y',
    Document: JSON.stringify({ name: 'checkout-api', annotations: { operation: 'ApplyOrderStatus', orderId: 'o-1' } }),
  };
  beforeEach(() => xrayMock.reset());

  test('passes with one trace from API Gateway through the service to the state machine', async () => {
    xrayMock
      .on(GetTraceSummariesCommand, { FilterExpression: 'annotation.orderId = "o-1"' })
      .resolves({ TraceSummaries: [{ Id: 't1' }, { Id: 't1' }] });
    xrayMock
      .on(BatchGetTracesCommand)
      .resolves({ Traces: [{ Id: 't1', Segments: [gateway, service, workflow, consumer] }] });
    await expect(checkOrderTrace(xray, 'o-1', new Date(), Date.now() + 1000, 1)).resolves.toBe(
      'trace t1: API Gateway → the checkout service → the state machine → the status consumer',
    );
  });

  test('fails naming the hop a trace lacks (the header lost across the VPC link and ALB)', async () => {
    xrayMock.on(GetTraceSummariesCommand).resolves({ TraceSummaries: [{ Id: 't1' }] });
    xrayMock.on(BatchGetTracesCommand).resolves({ Traces: [{ Id: 't1', Segments: [service, workflow, consumer] }] });
    await expect(checkOrderTrace(xray, 'o-1', new Date(), Date.now() + 20, 5)).rejects.toThrow(
      'trace t1 lacks API Gateway',
    );
  });

  test('fails when the order is split over traces, or has none', async () => {
    xrayMock.on(GetTraceSummariesCommand).resolves({ TraceSummaries: [{ Id: 't1' }, { Id: 't2' }, { Id: 't3' }] });
    xrayMock.on(BatchGetTracesCommand).resolves({
      Traces: [
        { Id: 't1', Segments: [gateway] },
        { Id: 't2', Segments: [service, workflow] },
        { Id: 't3', Segments: [consumer] },
      ],
    });
    await expect(checkOrderTrace(xray, 'o-1', new Date(), Date.now() + 20, 5)).rejects.toThrow(
      'the order is in 3 traces (t1: API Gateway; t2: the checkout service, the state machine; t3: the checkout service, the status consumer): the trace header is lost on the way',
    );
    xrayMock.on(GetTraceSummariesCommand).resolves({ TraceSummaries: [] });
    await expect(checkOrderTrace(xray, 'o-1', new Date(), Date.now() + 20, 5)).rejects.toThrow(
      'no trace annotated with this order id',
    );
  });
});

describe('data protection: the token in the execution history and the log', () => {
  const sfn = new SFNClient(config);
  const logs = new CloudWatchLogsClient(config);
  const sfnMock = mockClient(sfn);
  const logsMock = mockClient(logs);
  const arn = executionArn(SM, 'o-1');
  beforeEach(() => {
    sfnMock.reset();
    logsMock.reset();
  });

  test("an order's execution ARN", () => {
    expect(arn).toBe('arn:aws:states:eu-west-1:123456789012:execution:securecart-sandbox-OrderFulfillment:o-1');
    expect(() => executionArn('arn:aws:sqs:eu-west-1:1:q', 'o')).toThrow('not a state machine ARN');
  });

  test('the history passes without the token (all pages) and fails naming the events that hold it', async () => {
    const started = { id: 1, type: 'ExecutionStarted' as const, timestamp: new Date() };
    sfnMock
      .on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: undefined })
      .resolves({
        events: [{ ...started, executionStartedEventDetails: { input: '{"orderId":"o-1","paymentRef":"r"}' } }],
        nextToken: 'p2',
      })
      .on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: 'p2' })
      .resolves({ events: [{ id: 2, type: 'PassStateEntered', timestamp: new Date() }] });
    await expect(checkHistoryHasNoToken(sfn, arn, 'tok_approve')).resolves.toBe(
      '2 history events, none holds the token',
    );

    sfnMock.on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: 'p2' }).resolves({
      events: [
        {
          id: 2,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Pay', input: '{"payment":{"token":"tok_approve"}}' },
        },
      ],
    });
    await expect(checkHistoryHasNoToken(sfn, arn, 'tok_approve')).rejects.toThrow(
      'the payment token appears in 1 of 2 history events: #2 TaskStateEntered',
    );
  });

  test("the log passes without the token and fails when the order's events hold it", async () => {
    sfnMock.on(DescribeStateMachineCommand).resolves({
      loggingConfiguration: {
        destinations: [
          { cloudWatchLogsLogGroup: { logGroupArn: 'arn:aws:logs:eu-west-1:1:log-group:/aws/vendedlogs/states/x:*' } },
        ],
      },
    } as never);
    const group = await stateMachineLogGroup(sfn, SM);
    expect(group).toBe('/aws/vendedlogs/states/x');
    logsMock.on(FilterLogEventsCommand, { filterPattern: `"${arn}"` }).resolves({
      events: [{ message: `{"execution_arn":"${arn}","details":{"input":"{\\"orderId\\":\\"o-1\\"}"}}` }],
    });
    await expect(checkLogsHaveNoToken(logs, group!, arn, 'tok_approve', 0)).resolves.toBe(
      '1 log events of /aws/vendedlogs/states/x for this order, none holds the token',
    );
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        { message: `{"execution_arn":"${arn}","details":{"input":"{\\"token\\":\\"tok_approve\\"}"}}` },
        { message: arn },
      ],
    });
    await expect(checkLogsHaveNoToken(logs, group!, arn, 'tok_approve', 0)).rejects.toThrow(
      'the payment token appears in 1 of the 2 log events of /aws/vendedlogs/states/x for this order',
    );
  });
});

describe('tables, queues and statuses (the local mode too)', () => {
  const ddb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  const ddbMock = mockClient(ddb);
  const sqsMock = mockClient(sqs);
  beforeEach(() => {
    ddbMock.reset();
    sqsMock.reset();
  });

  test('tables pass when ACTIVE and fail naming one missing or not ready', async () => {
    ddbMock.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
    await expect(checkTables(ddb, ['a', 'b'])).resolves.toBe('2 tables ACTIVE');
    ddbMock
      .on(DescribeTableCommand, { TableName: 'b' })
      .rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }))
      .on(DescribeTableCommand, { TableName: 'a' })
      .resolves({ Table: { TableStatus: 'CREATING' } });
    await expect(checkTables(ddb, ['a', 'b'])).rejects.toThrow(
      'a is CREATING; b: ResourceNotFoundException: Requested resource not found',
    );
  });

  test('queues pass when encrypted (and FIFO where named .fifo), fail otherwise', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { KmsMasterKeyId: 'k', FifoQueue: 'true' } });
    await expect(checkQueues(sqs, { OrdersQueueUrl: 'https://sqs/1/orders.fifo' })).resolves.toBe(
      '1 queues, KMS-encrypted',
    );
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
    await expect(
      checkQueues(sqs, { OrdersQueueUrl: 'https://sqs/1/orders.fifo', DlqUrl: 'https://sqs/1/dlq' }),
    ).rejects.toThrow(
      'OrdersQueueUrl: FifoQueue undefined; OrdersQueueUrl: not encrypted with a KMS key; DlqUrl: not encrypted with a KMS key',
    );
  });

  test('status messages are read in either format, and the outcome is checked', () => {
    const event = {
      schemaVersion: 1 as const,
      orderId: 'o-1',
      customerId: 'c',
      status: 'FULFILLED' as const,
      occurredAt: 't',
      executionId: 'e',
    };
    expect(statusEventOf(JSON.stringify(event))?.status).toBe('FULFILLED');
    expect(statusEventOf(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(event) }))?.orderId).toBe(
      'o-1',
    );
    expect(statusEventOf('not json')).toBeUndefined();
    const accepted = { ...event, status: 'ACCEPTED' as const };
    const cancelled = { ...event, status: 'CANCELLED' as const, reason: 'OUT_OF_STOCK' as const };
    expect(checkStatuses('o-1', [accepted, event], { status: 'FULFILLED', reason: null })).toBe(
      'order o-1: ACCEPTED → FULFILLED',
    );
    expect(() => checkStatuses('o-1', [accepted, cancelled], { status: 'FULFILLED', reason: null })).toThrow(
      'order o-1 ended CANCELLED OUT_OF_STOCK, expected FULFILLED (ACCEPTED → CANCELLED)',
    );
    expect(() => checkStatuses('o-1', [accepted], { status: 'FULFILLED', reason: null })).toThrow(
      'order o-1: no terminal status on the order-status queue (ACCEPTED)',
    );
  });
});

describe('the checkout service and the metrics the alarms watch', () => {
  const ecs = new ECSClient(config);
  const ecsMock = mockClient(ecs);
  const cfn = new CloudFormationClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const cfnMock = mockClient(cfn);
  const cwMock = mockClient(cloudwatch);
  beforeEach(() => {
    ecsMock.reset();
    cfnMock.reset();
    cwMock.reset();
  });

  test('the service passes with its tasks and both containers running, and fails on an image that cannot be pulled', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ runningCount: 1, desiredCount: 1, deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }] }],
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: ['t1'] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          containers: [
            { name: 'checkout-api', lastStatus: 'RUNNING', imageDigest: 'sha256:aaaaaaaaaaaaaaaaaaaa' },
            { name: 'cloudwatch-agent', lastStatus: 'RUNNING', imageDigest: 'sha256:bbbbbbbbbbbbbbbbbbbb' },
          ],
        },
      ],
    });
    await expect(checkServiceRunning(ecs, 'c', 's')).resolves.toBe(
      '1/1 tasks running; containers checkout-api sha256:aaaaaaaaaaaa, cloudwatch-agent sha256:bbbbbbbbbbbb',
    );
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          runningCount: 0,
          desiredCount: 1,
          deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }],
          events: [
            {
              message:
                '(service s) was unable to place a task: CannotPullContainerError: cloudwatch-agent:1.2 not found',
            },
          ],
        },
      ],
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    await expect(checkServiceRunning(ecs, 'c', 's')).rejects.toThrow(
      '0 running tasks of 1; deployment IN_PROGRESS; latest event: (service s) was unable to place a task: CannotPullContainerError',
    );
  });

  test("alarm metrics pass when each exists with the alarm's dimensions, and fail naming the dimensions it really has", async () => {
    cfnMock.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          ResourceType: 'AWS::CloudWatch::Alarm',
          PhysicalResourceId: 'tasks',
          LogicalResourceId: 'T',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          ResourceType: 'AWS::CloudWatch::Alarm',
          PhysicalResourceId: 'custom',
          LogicalResourceId: 'C',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    const tasks = {
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'RunningTaskCount',
      Dimensions: [
        { Name: 'ClusterName', Value: 'c' },
        { Name: 'ServiceName', Value: 's' },
      ],
    };
    cwMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'tasks', ...tasks },
        {
          AlarmName: 'custom',
          Metrics: [
            {
              Id: 'm',
              MetricStat: {
                Metric: { Namespace: 'SecureCart', MetricName: 'Rare', Dimensions: [] },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
        },
      ],
    });
    cwMock
      .on(ListMetricsCommand, { Namespace: 'ECS/ContainerInsights' })
      .resolves({ Metrics: [{ ...tasks, Dimensions: [...tasks.Dimensions].reverse() }] });
    cwMock.on(ListMetricsCommand, { Namespace: 'SecureCart' }).resolves({ Metrics: [] });
    const stacks = [{ name: 'SecureCart-sandbox-Api', cfn, cloudwatch }];
    await expect(checkAlarmMetrics(stacks)).resolves.toBe(
      "1 alarm metrics exist with the alarms' dimensions; 1 publish with their first event (custom)",
    );

    cwMock.on(ListMetricsCommand, { Namespace: 'ECS/ContainerInsights' }).resolves({
      Metrics: [
        {
          ...tasks,
          Dimensions: [
            { Name: 'ClusterName', Value: 'c' },
            { Name: 'ServiceName', Value: 's' },
            { Name: 'TaskDefinitionFamily', Value: 'f' },
          ],
        },
      ],
    });
    await expect(checkAlarmMetrics(stacks)).rejects.toThrow(
      'tasks watches ECS/ContainerInsights RunningTaskCount {ClusterName=c, ServiceName=s}, which does not exist (the metric has dimensions {ClusterName, ServiceName, TaskDefinitionFamily})',
    );
  });
});
