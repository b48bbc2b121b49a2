/**
 * POST /api/events in local runs: the forwarder that stands in for API Gateway's Kinesis service
 * integration (HTTP_API.recordEvents, `integration: 'kinesis'`). The body is validated by the
 * contract's ClickBatchSchema (a refused batch is a 400 with its problems, and nothing is put);
 * a valid one becomes exactly `clickstreamRecords(batch)`, put with one PutRecords call. The
 * answer is 202 `{ received }`: the records the stream took. Registered only when
 * CHECKOUT_ENV.clickstreamStreamName is set; in the cloud API Gateway answers this route and the
 * service never sees it. Events are never logged (they carry session and customer ids).
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { clickstreamRecords } from '@securecart/contracts/clickstream';
import type { FastifyPluginAsync } from 'fastify';
import { contractRoute } from './contract-route';

export interface EventRoutesOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
}

const utf8 = new TextEncoder();

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { kinesis, streamName }) => {
  contractRoute(app, 'recordEvents', async (request) => {
    const records = clickstreamRecords(request.body);
    const answer = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: records.map((r) => ({ PartitionKey: r.PartitionKey, Data: utf8.encode(r.Data) })),
      }),
    );
    const failed = answer.FailedRecordCount ?? 0;
    if (failed) request.log.warn({ failed, records: records.length }, 'Clickstream records refused by the stream');
    return { received: records.length - failed };
  });
};
