import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import type { RouteContract } from '@securecart/contracts/http-api';

/*
 * POST /api/events (HTTP_API.recordEvents, `integration: 'kinesis'`): API Gateway's AWS service
 * integration puts the batch straight into the clickstream with PutRecords, no Lambda and no
 * container on the path (docs/adr/0025). The request model (the contract's ClickBatchSchema) has
 * already refused anything else when the mapping template runs, so the template only reshapes:
 * one record per event, in order, partition key = the session id, Data = base64 of the event's
 * JSON. Every value is written by $input.json (JSON-escaped) or base64: even a value the model's
 * regex dialect let through could not break out of its string — exactly contracts/clickstream.ts clickstreamRecords (test/api/clickstream-template.test.ts
 * renders it with a VTL engine and compares).
 */

/** The PutRecords request (Kinesis' JSON protocol) for a ClickBatch body. `streamName` may be a token. */
export function clickstreamRequestTemplate(streamName: string): string {
  return [
    `#set($batch = $input.path('$'))`,
    `{"StreamName":"${streamName}","Records":[`,
    `#foreach($event in $batch.events)`,
    `{"PartitionKey":$input.json('$.sessionId'),"Data":"$util.base64Encode($input.json("$.events[$foreach.index]"))"}#if($foreach.hasNext),#end`,
    `#end`,
    `]}`,
  ].join('\n');
}

/**
 * The answer to a PutRecords that Kinesis took (HTTP 200): 202 and how many events of the batch
 * reached the stream (ClickBatchAcceptedSchema). Records Kinesis refused (throttled) are left out
 * of `received`; a beacon does not retry, so they are lost and counted by the stream's metrics.
 */
export const CLICKSTREAM_ACCEPTED_TEMPLATE = [
  `#set($out = $input.path('$'))`,
  `#set($received = $out.Records.size() - $out.FailedRecordCount)`,
  `{"received":$received}`,
].join('\n');

/** Whatever Kinesis answered otherwise (its 400s include throttling): 503, Kinesis' message never passed on. */
export const CLICKSTREAM_UNAVAILABLE_BODY = JSON.stringify({
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: 'The events could not be recorded; they may be sent again later.',
});

export interface KinesisRouteOptions {
  readonly stream: kinesis.IStream;
  /** Added to the route's method (the origin header, the validator, the model). */
  readonly methodOptions: apigw.MethodOptions;
}

/**
 * The route's method: an AWS integration to Kinesis PutRecords with a role that may only put
 * records into this stream (and have the stream's key make data keys, through Kinesis only).
 */
export function addKinesisRoute(
  scope: Construct,
  api: apigw.RestApi,
  route: RouteContract,
  { stream, methodOptions }: KinesisRouteOptions,
): apigw.Method {
  const role = new iam.Role(scope, 'ClickstreamPutRole', {
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    description: `API Gateway ${route.method} ${route.path}: PutRecords into the clickstream only`,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['kinesis:PutRecords'], resources: [stream.streamArn] }),
  );
  if (stream.encryptionKey) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [stream.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `kinesis.${api.stack.region}.amazonaws.com` } },
      }),
    );
  }
  const integration = new apigw.AwsIntegration({
    service: 'kinesis',
    action: 'PutRecords',
    integrationHttpMethod: 'POST',
    options: {
      credentialsRole: role,
      passthroughBehavior: apigw.PassthroughBehavior.NEVER,
      requestParameters: { 'integration.request.header.Content-Type': "'application/x-amz-json-1.1'" },
      requestTemplates: { 'application/json': clickstreamRequestTemplate(stream.streamName) },
      integrationResponses: [
        {
          // The default: Kinesis answered 200.
          statusCode: '202',
          responseTemplates: { 'application/json': CLICKSTREAM_ACCEPTED_TEMPLATE },
        },
        {
          statusCode: '503',
          selectionPattern: '[45]\\d{2}',
          responseTemplates: { 'application/json': CLICKSTREAM_UNAVAILABLE_BODY },
          responseParameters: { 'method.response.header.Content-Type': "'application/problem+json'" },
        },
      ],
    },
  });
  return api.root.resourceForPath(route.path).addMethod(route.method, integration, {
    ...methodOptions,
    methodResponses: [
      { statusCode: '202' },
      { statusCode: '503', responseParameters: { 'method.response.header.Content-Type': true } },
    ],
  });
}
