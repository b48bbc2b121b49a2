import Velocity from 'velocityjs';
import {
  CLICK_CUSTOMER_ID_PATTERN,
  CLICK_PRODUCT_ID_PATTERN,
  CLICKSTREAM_FIXTURES,
  CLICKSTREAM_LIMITS,
  clickstreamRecords,
  SESSION_ID_PATTERN,
} from '@securecart/contracts/clickstream';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import { ClickBatchAcceptedSchema, HTTP_API } from '@securecart/contracts/http-api';
import { ORIGIN_VERIFY_HEADER } from '../../lib/constructs/api/origin-verify';
import { toModelSchema } from '../../lib/constructs/api/request-models';
import { CLICKSTREAM_ACCEPTED_TEMPLATE, clickstreamRequestTemplate } from '../../lib/constructs/api/rest-api-kinesis';
import { synthesizeForFile } from '../helpers/synth';
import { roleStatements, resourcesOf } from '../helpers/template';
import { api, byType, methods, one } from './helpers';

/*
 * POST /api/events (HTTP_API.recordEvents): API Gateway's Kinesis integration, synthesized, and
 * its mapping template rendered by a real VTL engine (velocityjs) with API Gateway's $input,
 * $util and $context, compared with the contract's clickstreamRecords().
 */

/** The parts of API Gateway's VTL context the templates use (API Gateway developer guide, "Mapping template reference"). */
function gatewayContext(body: string) {
  const root = JSON.parse(body);
  const at = (path: string): unknown => {
    if (!path.startsWith('$')) throw new Error(`not a JSONPath: ${path}`);
    const steps = [...path.slice(1).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)];
    expect(steps.map((m) => m[0]).join('')).toBe(path.slice(1)); // the whole path was understood
    return steps.reduce<any>((v, m) => (v == null ? undefined : v[m[1] ?? Number(m[2])]), root);
  };
  return {
    input: {
      path: (p: string) => at(p),
      json: (p: string) => JSON.stringify(at(p)),
      body,
    },
    util: {
      base64Encode: (s: string) => Buffer.from(String(s), 'utf8').toString('base64'),
      base64Decode: (s: string) => Buffer.from(String(s), 'base64').toString('utf8'),
    },
    context: { requestId: 'c0ffee00-0000-4000-8000-000000000000', stage: 'api' },
  };
}

const render = (template: string, body: string) => Velocity.render(template, gatewayContext(body));

/** PutRecords' records as the template writes them, Data decoded. */
function putRecordsOf(template: string, batch: ClickBatch) {
  const request = JSON.parse(render(template, JSON.stringify(batch)));
  return {
    streamName: request.StreamName,
    records: request.Records.map((r: { PartitionKey: string; Data: string }) => ({
      PartitionKey: r.PartitionKey,
      Data: JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8')),
    })),
  };
}

describe('POST /api/events: API Gateway → Kinesis PutRecords', () => {
  const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);

  describe('the mapping template', () => {
    test.each(CLICKSTREAM_FIXTURES.map((b, i) => [i, b]))(
      'fixture %i: exactly clickstreamRecords(batch): order, partition keys, Data',
      (_i, batch) => {
        const { streamName, records } = putRecordsOf(clickstreamRequestTemplate('s-clickstream'), batch);
        expect(streamName).toBe('s-clickstream');
        expect(records).toEqual(
          clickstreamRecords(batch).map((r) => ({ PartitionKey: r.PartitionKey, Data: JSON.parse(r.Data) })),
        );
      },
    );

    test('a full batch of the largest events stays one valid PutRecords request, in order', () => {
      const events = Array.from({ length: CLICKSTREAM_LIMITS.maxEventsPerBatch }, (_, i) => ({
        type: 'order_placed' as const,
        productIds: Array.from({ length: CLICKSTREAM_LIMITS.maxProductIdsPerEvent }, (_, j) => `p-${i}-${j}`),
        occurredAt: '2026-12-07T10:00:00.000Z',
        customerId: '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
      }));
      const batch = { sessionId: 'k3Jd9sQ2mV7xY1pL0aBc', events };
      expect(putRecordsOf(clickstreamRequestTemplate('s'), batch).records).toEqual(
        clickstreamRecords(batch).map((r) => ({ PartitionKey: r.PartitionKey, Data: JSON.parse(r.Data) })),
      );
    });

    test('the synthesized method uses that template, with the stream the Pipeline stack made', () => {
      const m = methods(sandbox)['POST /api/events'];
      const template = m.Integration.RequestTemplates['application/json'];
      // The stream name is a reference to the Pipeline stack: render with its value put in.
      const [sep, parts] = template['Fn::Join'];
      const name = sandbox.stacks.pipeline.resolve(sandbox.stacks.pipeline.clickstream.stream.streamName);
      expect(name).toEqual({ Ref: expect.stringMatching(/^ClickstreamStream/) });
      const text = (parts as unknown[]).map((p) => (typeof p === 'string' ? p : '«stream»')).join(sep);
      expect(text).toBe(clickstreamRequestTemplate('«stream»'));
    });

    test('the answer: 202 {"received": n} without the records Kinesis refused', () => {
      const kinesisAnswer = {
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' },
          { SequenceNumber: '2', ShardId: 'shardId-000000000000' },
        ],
      };
      const out = JSON.parse(render(CLICKSTREAM_ACCEPTED_TEMPLATE, JSON.stringify(kinesisAnswer)));
      expect(ClickBatchAcceptedSchema.parse(out)).toEqual({ received: 2 });
      expect(out).toEqual({ received: 2 }); // nothing of Kinesis' answer passes through
    });
  });

  describe('the synthesized integration', () => {
    test('an AWS integration to Kinesis PutRecords, no Lambda or container; 202 on success, 503 otherwise without Kinesis’ message', () => {
      for (const s of [sandbox, prod]) {
        const m = methods(s)['POST /api/events'];
        expect(m.Integration).toMatchObject({
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          PassthroughBehavior: 'NEVER',
          RequestParameters: { 'integration.request.header.Content-Type': "'application/x-amz-json-1.1'" },
        });
        expect(JSON.stringify(m.Integration.Uri)).toContain(':kinesis:action/PutRecords');
        expect(m.Integration.ConnectionType).toBeUndefined();
        const responses = m.Integration.IntegrationResponses;
        expect(responses.map((r: any) => [r.StatusCode, r.SelectionPattern])).toEqual([
          ['202', undefined],
          ['503', '[45]\\d{2}'],
        ]);
        const unavailable = JSON.parse(responses[1].ResponseTemplates['application/json']);
        expect(unavailable).toMatchObject({ status: 503 });
        expect(responses[1].ResponseTemplates['application/json']).not.toMatch(/\$/); // a constant: no $input, nothing from Kinesis
        expect(m.MethodResponses.map((r: any) => r.StatusCode)).toEqual(['202', '503']);
        expect(m.RequestParameters).toEqual({ [`method.request.header.${ORIGIN_VERIFY_HEADER}`]: true });
        expect(m.AuthorizationType).toBe('NONE');
      }
    });

    test('its role may only put records into the clickstream and have its key make data keys through Kinesis', () => {
      for (const s of [sandbox, prod]) {
        const m = methods(s)['POST /api/events'];
        const roleId = m.Integration.Credentials['Fn::GetAtt'][0];
        const [, role] = one(s, 'AWS::IAM::Role', 'ClickstreamPutRole');
        expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
          expect.objectContaining({ Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        ]);
        const statements = roleStatements(resourcesOf(api(s)), roleId);
        expect(statements).toEqual([
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'kinesis:PutRecords',
            Resource: expect.objectContaining({ 'Fn::GetStackOutput': expect.anything() }),
          }),
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'kms:GenerateDataKey',
            Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
          }),
        ]);
      }
    });

    test('the body is validated against the ClickBatch model generated from the contract; throttled per profile', () => {
      for (const s of [sandbox, prod]) {
        const m = methods(s)['POST /api/events'];
        const [modelId, model] = one(s, 'AWS::ApiGateway::Model', 'ClickBatch');
        expect(m.RequestModels).toEqual({ 'application/json': { Ref: modelId } });
        expect(model.Properties.Schema).toEqual(toModelSchema(HTTP_API.recordEvents.body!));
        const validator = byType(s, 'AWS::ApiGateway::RequestValidator').find(
          ([id]) => id === m.RequestValidatorId.Ref,
        )!;
        expect(validator[1].Properties.ValidateRequestBody).toBe(true);
        const [, stage] = one(s, 'AWS::ApiGateway::Stage');
        expect(stage.Properties.MethodSettings).toContainEqual(
          expect.objectContaining({
            HttpMethod: 'POST',
            ResourcePath: '/~1api~1events',
            ThrottlingRateLimit: s.profile.clickstream.putThrottle.rateLimit,
            ThrottlingBurstLimit: s.profile.clickstream.putThrottle.burstLimit,
          }),
        );
      }
    });
  });

  describe('hostile input never reaches the template: the model refuses it', () => {
    const schema = toModelSchema(HTTP_API.recordEvents.body!) as any;
    const event = schema.properties.events.items;
    const patterns = {
      sessionId: schema.properties.sessionId.pattern,
      productId: event.properties.productIds.items.pattern,
      occurredAt: event.properties.occurredAt.pattern,
      customerId: event.properties.customerId.pattern,
    };

    test('every string the template writes is pattern-bound to the contract’s ASCII alphabets, and nothing else is allowed', () => {
      expect(patterns).toEqual({
        sessionId: SESSION_ID_PATTERN.source,
        productId: CLICK_PRODUCT_ID_PATTERN.source,
        occurredAt: expect.any(String),
        customerId: CLICK_CUSTOMER_ID_PATTERN.source,
      });
      expect(schema.additionalProperties).toBe(false);
      expect(event.additionalProperties).toBe(false);
      expect(schema.properties.events.maxItems).toBe(CLICKSTREAM_LIMITS.maxEventsPerBatch);
      expect(event.properties.productIds.maxItems).toBe(CLICKSTREAM_LIMITS.maxProductIdsPerEvent);
      expect(event.properties.type.enum).toEqual([
        'product_viewed',
        'added_to_cart',
        'checkout_started',
        'order_placed',
      ]);
    });

    test.each([
      ['sessionId', 'sess\u2028ion-0123456789abc'],
      ['sessionId', 'k3Jd9sQ2mV7xY1pL0aBc","PartitionKey":"x'],
      ['sessionId', 'ｋ3Jd9sQ2mV7xY1pL0aBc'],
      ['productId', 'mug-001\u0000'],
      ['productId', 'mug-001"}]}'],
      ['productId', 'café'],
      ['productId', '$util.base64Decode("x")'],
      ['occurredAt', '２０２６-12-07T10:00:00.000Z'],
      ['customerId', '0a1b2c3d-😀'],
      ['customerId', "x' OR 1=1"],
    ] as const)('%s %j is refused', (field, value) => {
      expect(new RegExp(patterns[field]).test(value)).toBe(false);
      expect(new RegExp(patterns[field], 'u').test(value)).toBe(false);
    });

    test('values the fixtures use pass, so the refusals above are the patterns at work', () => {
      for (const batch of CLICKSTREAM_FIXTURES) {
        expect(new RegExp(patterns.sessionId).test(batch.sessionId)).toBe(true);
        for (const e of batch.events) {
          for (const p of e.productIds) expect(new RegExp(patterns.productId).test(p)).toBe(true);
          expect(new RegExp(patterns.occurredAt).test(e.occurredAt)).toBe(true);
          if (e.customerId) expect(new RegExp(patterns.customerId).test(e.customerId)).toBe(true);
        }
      }
    });
  });
});
